import ArgumentParser
import MonitorProtocol
import Testing

@testable import Client

/// pop3ctl's command line, parsed without running anything.
@Suite struct ArgumentParsingTests {
    static let token = "123456789abcdef1"

    func legacy(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> LegacyCommand {
        let command = try Pop3ctlCommand.parseAsRoot(arguments)
        return try #require(command as? LegacyCommand, sourceLocation: sourceLocation)
    }

    @Test func seedFlagWithTokenIsTheLegacyCommand() throws {
        let command = try legacy(["-C", Self.token])
        #expect(try command.legacyPlan().steps.map(\.operation) == [.legacyCounter(.connectionsTotal)])
        let target = try command.legacyTarget(environment: { _ in nil })
        #expect(target.token.text == Self.token)
        #expect(target.endpoint.host == "127.0.0.1")
        #expect(target.endpoint.port == 1081)
    }

    @Test func subcommandWithTokenOptionIsTheSubcommand() throws {
        let command = try Pop3ctlCommand.parseAsRoot(["stats", "--token", "X"])
        let stats = try #require(command as? StatsCommand)
        #expect(stats.connection.token == "X")
        #expect(stats.connection.host == "127.0.0.1")
        #expect(stats.connection.port == 1081)
    }

    @Test func flagsRunInTheSeedOrderWhateverTheirOrderOnTheLine() throws {
        let command = try legacy(
            [
                "-d", "old", "-u", "bob:pa:ss", "-D", "eve", "-U", "ann:ABCDEFGHIJKLMNOP", "-m", "/mail", "-b", "-c",
                "-C",
                Self.token, "mail.example", "2000",
            ])
        let flags = try command.legacyPlan().steps.map(\.flag)
        #expect(flags == ["-C", "-c", "-b", "-m /mail", "-U ann", "-D eve", "-u bob", "-d old"])
        let operations = try command.legacyPlan().steps.map(\.operation)
        #expect(operations[6] == .addUser(name: "bob", password: "pa:ss"))
        let target = try command.legacyTarget(environment: { _ in nil })
        #expect(target.endpoint.host == "mail.example")
        #expect(target.endpoint.port == 2000)
    }

    @Test func groupedShortFlags() throws {
        let command = try legacy(["-cCb", Self.token])
        #expect(try command.legacyPlan().steps.count == 3)
    }

    @Test func tokenFromTheEnvironmentOrTheOption() throws {
        let fromEnvironment = try legacy(["-c"]).legacyTarget(environment: { $0 == "POP3CTL_TOKEN" ? Self.token : nil })
        #expect(fromEnvironment.token.text == Self.token)
        // With --token, the positionals are HOST PORT.
        let fromOption = try legacy(["-c", "--token", Self.token, "10.0.0.1", "99"]).legacyTarget(environment: { _ in
            nil
        })
        #expect(fromOption.token.text == Self.token)
        #expect(fromOption.endpoint.host == "10.0.0.1")
        #expect(fromOption.endpoint.port == 99)
    }

    @Test func missingOrMalformedTokensAreRefused() throws {
        #expect(throws: (any Error).self) { try legacy(["-C"]).legacyTarget(environment: { _ in nil }) }
        #expect(throws: (any Error).self) { try legacy(["-C", "short"]).legacyTarget(environment: { _ in nil }) }
        #expect(throws: (any Error).self) {
            try legacy(["-C"]).legacyTarget(environment: { _ in "123456789 bcdef1" })
        }
    }

    @Test func versionFlagNeedsNoToken() throws {
        let command = try legacy(["-v"])
        #expect(command.showVersion)
    }

    @Test(arguments: [
        [token],  // nothing to do
        ["-u", "bob", token],  // no password
        ["-U", "ann:short", token],
        ["-u", "b b:pw", token],
        ["-C", token, "host", "notaport"],
        ["-C", token, "host", "1081", "extra"],
        ["history", "nosuchmetric", "--token", token],
        ["history", "bytes_out", "--since", "5x", "--token", token],
        ["history", "bytes_out", "--since", "30d", "--step", "1s", "--token", token],
        ["users", "add", "a:b", "--password", "x"],
        ["tokens", "add", "ann", "tooshort"],
        ["stats", "--port", "0"],
    ])
    func badCommandLinesAreRefused(_ arguments: [String]) {
        #expect(throws: (any Error).self) { try Pop3ctlCommand.parseAsRoot(arguments) }
    }

    @Test func subcommandsAndAliases() throws {
        #expect(try Pop3ctlCommand.parseAsRoot(["users", "del", "bob"]) is UsersDeleteCommand)
        #expect(try Pop3ctlCommand.parseAsRoot(["users", "delete", "bob"]) is UsersDeleteCommand)
        #expect(try Pop3ctlCommand.parseAsRoot(["users", "list", "--json"]) is UsersListCommand)
        #expect(try Pop3ctlCommand.parseAsRoot(["users", "import", "-"]) is UsersImportCommand)
        #expect(try Pop3ctlCommand.parseAsRoot(["users", "passwd", "bob"]) is UsersPasswdCommand)
        #expect(try Pop3ctlCommand.parseAsRoot(["tokens", "add", "ann"]) is TokensAddCommand)
        #expect(try Pop3ctlCommand.parseAsRoot(["tokens", "list"]) is TokensListCommand)
        #expect(try Pop3ctlCommand.parseAsRoot(["sessions", "--host", "::1"]) is SessionsCommand)
        #expect(try Pop3ctlCommand.parseAsRoot(["ping", "--port", "1100"]) is PingCommand)
    }

    @Test func clusterIsAFlagOfStatsAndHistoryOnly() throws {
        let stats = try #require(try Pop3ctlCommand.parseAsRoot(["stats"]) as? StatsCommand)
        #expect(!stats.cluster)
        let cluster = try #require(try Pop3ctlCommand.parseAsRoot(["stats", "--cluster", "--json"]) as? StatsCommand)
        #expect(cluster.cluster && cluster.output.json)
        let history = try #require(
            try Pop3ctlCommand.parseAsRoot(["history", "current", "--cluster", "--since", "1h"]) as? HistoryCommand)
        #expect(history.cluster)
        #expect(!(try #require(try Pop3ctlCommand.parseAsRoot(["history", "current"]) as? HistoryCommand)).cluster)
        #expect(throws: (any Error).self) { try Pop3ctlCommand.parseAsRoot(["sessions", "--cluster"]) }
        #expect(throws: (any Error).self) { try Pop3ctlCommand.parseAsRoot(["--cluster", "-C", Self.token]) }
    }

    @Test func helpSaysWhichNodeAnswers() {
        // Help text is wrapped to the terminal: compared with its line breaks as spaces.
        func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let root = words(Pop3ctlCommand.helpMessage())
        #expect(root.contains("-C, -c and -b answer for the pop3d at HOST alone"), "\(root)")
        let stats = words(Pop3ctlCommand.helpMessage(for: StatsCommand.self))
        #expect(stats.contains("--cluster") && stats.contains("three sampling intervals of the asked node"), "\(stats)")
        #expect(Pop3ctlCommand.helpMessage(for: HistoryCommand.self).contains("--cluster"))
    }

    @Test func historyQueryEndsOnAStepBoundary() throws {
        let command = try #require(
            try Pop3ctlCommand.parseAsRoot(["history", "connections", "--since", "24h", "--step", "1h"])
                as? HistoryCommand)
        let query = try command.query(now: 10_000)
        #expect(query.metric == .connectionsTotal)
        #expect(query.to == 10_800)
        #expect(query.from == 10_800 - 86_400)
        #expect(query.step == 3_600)
        #expect(query.pointCount == 24)
    }
}
