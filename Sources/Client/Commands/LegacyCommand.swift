import ArgumentParser
import MonitorProtocol

/// The seed client's command line: flags, then TOKEN [HOST] [PORT]; one v1 request per connection per flag.
struct LegacyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "legacy",
        abstract: "The seed client's flags (monitor protocol v1); used when no subcommand is named.",
        usage: """
            pop3ctl [-c] [-C] [-b] [-u user:pass] [-d user] [-U admin:token] [-D admin] [-m path] [-v] [-h] \
            TOKEN [HOST] [PORT]
            """,
        shouldDisplay: false)

    @Flag(name: .customShort("C"), help: "Print the number of connections to this node since its first start.")
    var connectionsTotal = false

    @Flag(name: .customShort("c"), help: "Print the number of connections open on this node now.")
    var connectionsCurrent = false

    @Flag(name: .customShort("b"), help: "Print the bytes this node sent to POP3 clients, all time.")
    var bytes = false

    @Option(name: .customShort("m"), help: ArgumentHelp("Set the maildir.", valueName: "path"))
    var maildir: [String] = []

    @Option(name: .customShort("U"), help: ArgumentHelp("Add a monitor admin.", valueName: "admin:token"))
    var addAdmin: [String] = []

    @Option(name: .customShort("D"), help: ArgumentHelp("Delete a monitor admin.", valueName: "admin"))
    var deleteAdmin: [String] = []

    @Option(name: .customShort("u"), help: ArgumentHelp("Add a POP3 user.", valueName: "user:pass"))
    var addUser: [String] = []

    @Option(name: .customShort("d"), help: ArgumentHelp("Delete a POP3 user.", valueName: "user"))
    var deleteUser: [String] = []

    @Flag(name: .customShort("v"), help: "Print pop3ctl's version and exit.")
    var showVersion = false

    @OptionGroup var connection: ConnectionOptions

    @Argument(help: "The admin token, then optionally the host and port (default 127.0.0.1 1081).")
    var positionals: [String] = []

    func validate() throws {
        guard !showVersion else { return }
        guard try !legacyPlan().steps.isEmpty else {
            throw ValidationError("nothing to do: give a flag such as -C, or a subcommand (see --help)")
        }
        guard positionals.count <= 3 else { throw ValidationError("at most three arguments: TOKEN HOST PORT") }
        // Checks the positionals now; a missing token is reported by run(), which reads the environment.
        _ = try legacyTarget(environment: { _ in "placeholder-0000" })
    }

    func run() async throws {
        if showVersion {
            Console.out(Pop3ctlCommand.version)
            return
        }
        let plan = try legacyPlan()
        let target = try legacyTarget(environment: Console.environment)
        var refused = false
        for step in plan.steps {
            do {
                let response = try await MonitorConnection.with(target.endpoint, version: .v1, token: target.token) {
                    try await $0.send(step.operation)
                }
                if response.status != .ok {
                    refused = true
                    let hint = RefusalText.legacyHint(for: step.operation, status: response.status)
                    Console.error(RefusalText.line(action: step.flag, status: response.status, message: "", hint: hint))
                } else if case .legacyCounter(let value) = response.body {
                    Console.out(String(value))
                }
            } catch let error as ClientError {
                Console.error("pop3ctl: \(error)")
                throw ExitCode(2)
            }
        }
        if refused { throw ExitCode(1) }
    }

    /// Token, host and port from the positionals, the options and the environment.
    func legacyTarget(environment: (String) -> String?) throws -> LegacyTarget {
        try LegacyTarget(positionals: positionals, options: connection, environment: environment)
    }

    /// The requests the flags ask for.
    func legacyPlan() throws -> LegacyPlan {
        try LegacyPlan(
            connectionsTotal: connectionsTotal, connectionsCurrent: connectionsCurrent, bytes: bytes,
            maildirs: maildir, addAdmins: addAdmin, deleteAdmins: deleteAdmin, addUsers: addUser,
            deleteUsers: deleteUser)
    }
}
