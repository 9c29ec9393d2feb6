import ArgumentParser
import MonitorProtocol

/// `pop3ctl stats`: every metric's current value.
struct StatsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats", abstract: "Show every metric's current value (64-bit).")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let reply = try await MonitorCall.run(connection) { try await $0.perform(.metrics, action: "stats") }
        guard case .metrics(let snapshot) = reply else {
            Console.error("pop3ctl: the server's answer is not a metrics list")
            throw ExitCode(2)
        }
        Console.out(output.json ? MetricsView.json(snapshot).rendered() : MetricsView.table(snapshot))
    }
}
