import ArgumentParser
import MonitorProtocol

/// `pop3ctl users import FILE`: adds every `user:password` or Dovecot passwd-file line, reporting each line.
struct UsersImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Add users from a file of user:password lines or a Dovecot passwd-file ('-' reads stdin).",
        discussion: """
            Dovecot lines user:{SCHEME}hash[:uid:gid:...] are accepted for {PLAIN}, {SHA512-CRYPT}, \
            {SHA256-CRYPT} and {BLF-CRYPT}: crypt hashes are kept and replaced by scrypt at the user's next good \
            login; {PLAIN} passwords are hashed at once. A password that starts with {NAME} is always read as a \
            scheme. Blank lines and lines starting with '#' are skipped. Each line's outcome is printed; a bad \
            line or a refused user does not stop the import. The exit status is 1 when any line failed.
            """)

    @Argument(help: "The file, or - for standard input.") var file: String
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let text: String
        do {
            text = try TextFile.read(file)
        } catch {
            Console.error("pop3ctl: \(error)")
            throw ExitCode(2)
        }
        let lines = ImportLines(text: text)
        let summary = try await MonitorCall.run(connection) { connection in
            var summary = ImportSummary()
            for (number, line) in lines.numbered {
                let outcome = await Self.importLine(line, over: connection)
                summary.count(outcome)
                if let report = outcome.report(line: number) {
                    outcome.isFailure ? Console.error(report) : Console.out(report)
                }
            }
            return summary
        }
        Console.out(summary.text)
        if summary.failed > 0 { throw ExitCode(1) }
    }

    private static func importLine(_ line: UserImportLine, over connection: some MonitorExchanging) async
        -> ImportOutcome
    {
        switch line {
        case .skip:
            return .skipped
        case .invalid(let reason):
            return .failed(name: nil, reason: reason)
        case .user(let name, let password):
            guard TextField.name.accepts(name) else {
                return .failed(name: name, reason: "name must be \(TextField.name.rule)")
            }
            guard TextField.password.accepts(password) else {
                return .failed(name: name, reason: "password must be \(TextField.password.rule)")
            }
            do {
                _ = try await connection.perform(.addUser(name: name, password: password), action: "add user \(name)")
                return .added(name: name)
            } catch let refused as RequestRefused {
                let detail = refused.message.isEmpty ? refused.status.explanation : refused.message
                return .failed(name: name, reason: "\(refused.status.name): \(detail)")
            } catch {
                return .failed(name: name, reason: "\(error)")
            }
        }
    }
}
