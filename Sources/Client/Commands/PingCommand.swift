import ArgumentParser
import MonitorProtocol

/// `pop3ctl ping`: is the server there, which version, how long up.
struct PingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ping", abstract: "Check that the server answers; print its version and uptime.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let reply = try await MonitorCall.run(connection) { try await $0.perform(.serverInfo, action: "ping") }
        guard case .serverInfo(let info) = reply else {
            Console.error("pop3ctl: the server's answer is not server information")
            throw ExitCode(2)
        }
        let endpoint = connection.endpoint.description
        Console.out(
            output.json ? ListViews.serverInfoJSON(info).rendered() : ListViews.serverInfo(info, endpoint: endpoint))
    }
}
