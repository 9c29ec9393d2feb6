import ArgumentParser
import MonitorProtocol

/// `pop3ctl sessions`: the live POP3 sessions.
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions", abstract: "List live POP3 sessions (user, peer, since, bytes in and out).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let sessions = try await MonitorCall.run(connection) { try await $0.allSessions() }
        Console.out(
            output.json ? ListViews.sessionsJSON(sessions).rendered() : ListViews.sessions(sessions, now: Console.now())
        )
    }
}
