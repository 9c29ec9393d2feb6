import ArgumentParser
import MonitorProtocol

/// `pop3ctl users hidden NAME`: the messages keep-on-delete hid in a user's maildrop.
struct UsersHiddenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hidden",
        abstract: "List the messages keep-on-delete (--keep-deleted-keyword) hid in a user's maildrop.")

    @Argument(help: "The user name.") var name: String
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try UserFields.check(name: name, password: nil)
    }

    func run() async throws {
        let hidden: [HiddenEntry] = try await MonitorCall.run(connection) { monitor in
            try await monitor.allPages(action: "list the hidden messages of \(name)") { cursor in
                .listHidden(name: name, after: cursor)
            } entries: { reply -> ListPage<HiddenEntry>? in
                guard case .hidden(let page) = reply else { return nil }
                return page
            } key: { (entry: HiddenEntry) in
                entry.fileName
            }
        }
        if output.json {
            Console.out(
                JSONValue.array(
                    hidden.map {
                        .object([
                            ("file", .string($0.fileName)), ("size", .unsigned($0.size)),
                            ("hidden_at", .integer($0.hiddenAt)),
                        ])
                    }
                ).rendered())
            return
        }
        var table = TextTable(headers: ["HIDDEN AT (UTC)", "SIZE", "FILE"])
        for entry in hidden {
            table.append([UTCTime.format(entry.hiddenAt), "\(entry.size)", entry.fileName])
        }
        Console.out(table.rendered() + "\n\(hidden.count) hidden message\(hidden.count == 1 ? "" : "s")")
    }
}

/// `pop3ctl users purge-hidden NAME --older-than DAYS`: removes what keep-on-delete kept long enough.
struct UsersPurgeHiddenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "purge-hidden",
        abstract: "Remove a user's hidden messages hidden at least --older-than days ago (0: all of them).")

    @Argument(help: "The user name.") var name: String
    @Option(name: .customLong("older-than"), help: "Days since the message was hidden.") var days: UInt32
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        try UserFields.check(name: name, password: nil)
    }

    func run() async throws {
        let action = "purge the hidden messages of \(name)"
        let reply = try await MonitorCall.run(connection) {
            try await $0.perform(
                .purgeHidden(name: name, days: days), action: action,
                unknownHint: "the server is older than keep-on-delete")
        }
        guard case .count(let removed) = reply else {
            Console.error("pop3ctl: \(action): unexpected answer")
            throw ExitCode(2)
        }
        Console.out("removed \(removed) hidden message\(removed == 1 ? "" : "s") of \(name)")
    }
}
