import ArgumentParser
import NIOPosix

/// `pop3bench run`: one scenario, `--runs` times; prints each run, then a RESULT line of medians.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one scenario against a server and print medians over the runs.",
        discussion: """
            The last line is machine-readable: RESULT scenario=X <figure>=<median> ... errors=N client_cpu_s=... \
            wall_s=... (and backend=NAME with --backend). The exit status is 1 when any correctness counter is non-zero.
            """)

    @Option(help: "Server address.") var host = "127.0.0.1"
    @Option(help: "Server port.") var port = 1100
    @Option(help: "A–E (issue 6), F (a crowd of first logins), G (one maildrop: STAT, UIDL), H (warm logins).")
    var scenario: Scenario
    @Option(help: "Fixture scale the server was given (sets users and expected counts).") var scale: FixtureScale =
        .full
    @Option(help: "Password of every user.") var password = "benchpass"
    @Option(help: "Users as a pattern with one %d (e.g. user%d), instead of the fixtures' names.") var userPattern:
        String?
    @Option(help: "How many users the pattern names.") var users: Int?
    @Option(
        help:
            "A: concurrent clients (default 50). D: logins in flight (default 50). F: logins in flight (default 100)."
    ) var concurrency = 0
    @Option(help: "B: sessions (default 8). H: users sampled (default 200).") var sessions = 0
    @Option(help: "A: seconds per run.") var duration: Double = 5
    @Option(help: "B and C: how many times each run fetches every message.") var passes = 3
    @Option(help: "B: RETR commands in flight per session.") var pipelineDepth = 50
    @Option(help: "Runs; medians are reported.") var runs = 3
    @Option(help: "First run number (E uses a fresh maildrop copy per run number).") var firstRun = 0
    @Option(help: "Event-loop threads of the client.") var threads = 1
    @Option(help: "D: the server's PID, to report its resident-set growth per session too.") var serverPID: Int32?
    @Option(help: "A label for the server under test (say, its storage: sqlite, postgresql), printed on every line.")
    var backend: String?
    @Option(
        help: ArgumentHelp(
            "D: once every session is logged in, create this file and hold the sessions until it is removed.",
            discussion: "Another program looks at the servers meanwhile; the machine's memory is not measured then."))
    var holdFile: String?

    func validate() throws {
        guard runs > 0, passes > 0, duration > 0, threads > 0 else {
            throw ValidationError("--runs, --passes, --duration and --threads must be above 0")
        }
        if userPattern != nil && users == nil { throw ValidationError("--user-pattern needs --users") }
    }

    /// " backend=NAME" when `--backend` was given.
    private var label: String { backend.map { " backend=\($0)" } ?? "" }

    func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        var settings = BenchSettings(
            target: ServerAddress(host: host, port: port), group: group, scale: scale, password: password,
            concurrency: concurrency, duration: .milliseconds(Int(duration * 1000)), passes: passes,
            pipelineDepth: pipelineDepth, sessions: sessions, userPattern: userPattern, userCount: users,
            serverPID: serverPID, holdFile: holdFile)
        var measurements: [Measurement] = []
        let clock = ContinuousClock()
        for index in 0..<runs {
            settings.runIndex = firstRun + index
            let cpuBefore = ResourceUsage.cpuSeconds()
            let start = clock.now
            var measurement = await scenario.run(settings)
            measurement.wallSeconds = (clock.now - start).seconds
            measurement.clientCPUSeconds = ResourceUsage.cpuSeconds() - cpuBefore
            print("run \(index + 1):\(label) " + Report.line(measurement) + " " + measurement.tally.failureText)
            measurements.append(measurement)
        }
        try? await group.shutdownGracefully()
        print(Report.result(scenario: scenario, measurements) + label)
        if measurements.contains(where: { $0.tally.failures > 0 }) { throw ExitCode(1) }
    }
}
