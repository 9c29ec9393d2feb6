import ArgumentParser

/// `pop3bench`: writes benchmark fixtures and drives scenarios A–E against a POP3 server.
@main
struct Pop3Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pop3bench",
        abstract: "Load generator for POP3 servers: fixtures and scenarios A–F (see documentation/performance.md).",
        subcommands: [FixturesCommand.self, RunCommand.self])
}
