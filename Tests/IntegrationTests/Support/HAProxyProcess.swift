import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real HAProxy (Debian's package) in front of pop3d nodes, in TCP mode as `packaging/haproxy.cfg` sets it up:
/// `send-proxy-v2`, `balance source`, health checks with `check-send-proxy` expecting `+OK`. Started in the
/// foreground (`-db`) with a configuration written into the workspace, its log on standard output kept for
/// assertions, and stopped by its pid.
final class HAProxyProcess: Sendable {
    /// The frontend ports clients connect to (on 127.0.0.1): POP3, and implicit TLS when the nodes have it.
    let port: Int
    let tlsPort: Int?
    private let process: Process
    private let output: PipeCollector
    private let errors: PipeCollector
    private let exit = ProcessExit()

    /// The haproxy binary; a clear failure where it is missing (CI installs it, as scripts/install-prerequisites.sh
    /// does), never a silently skipped test.
    static func binary() throws -> String {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/sbin"]
        for folder in folders where FileManager.default.isExecutableFile(atPath: folder + "/haproxy") {
            return folder + "/haproxy"
        }
        throw IntegrationError(
            "haproxy is not installed: this test needs HAProxy from Debian's packages (apt-get install haproxy; "
                + "scripts/install-prerequisites.sh installs it)")
    }

    /// Starts HAProxy balancing over `nodes` (pop3d ports on 127.0.0.1), connecting to them from `source`. With
    /// `tlsNodes` (the same nodes' implicit-TLS ports) a second frontend passes TLS through to them, its health
    /// checks going to the plain ports, as `packaging/haproxy.cfg` does.
    static func start(in workspace: Workspace, nodes: [Int], tlsNodes: [Int] = [], source: String) throws
        -> HAProxyProcess
    {
        let binary = try binary()
        let port = try freePort()
        let tlsPort = tlsNodes.isEmpty ? nil : try freePort()
        let check = "check check-send-proxy inter 500ms source \(source)"
        let servers = nodes.enumerated().map { index, node in
            "    server node\(index + 1) 127.0.0.1:\(node) send-proxy-v2 \(check)"
        }
        let tlsServers = zip(nodes, tlsNodes).enumerated().map { index, ports in
            "    server node\(index + 1) 127.0.0.1:\(ports.1) send-proxy-v2 \(check) port \(ports.0)"
        }
        var configuration = """
            global
                log stdout format raw local0 info

            defaults
                mode tcp
                log global
                option tcplog
                option log-health-checks
                timeout connect 5s
                # A check waits this long for the greeting: far beyond any delay of a loaded test machine.
                timeout check 10s
                timeout client 60s
                timeout server 60s

            frontend pop3
                bind 127.0.0.1:\(port)
                default_backend pop3d

            backend pop3d
                balance source
                option tcp-check
                tcp-check expect string +OK
                tcp-check send QUIT\\r\\n
                tcp-check expect string +OK
            \(servers.joined(separator: "\n"))

            """
        if let tlsPort {
            configuration += """
                frontend pop3s
                    bind 127.0.0.1:\(tlsPort)
                    default_backend pop3d-tls

                backend pop3d-tls
                    balance source
                    option tcp-check
                    tcp-check expect string +OK
                    tcp-check send QUIT\\r\\n
                    tcp-check expect string +OK
                \(tlsServers.joined(separator: "\n"))

                """
        }
        let file = try workspace.writeFile("haproxy.cfg", configuration)
        return try HAProxyProcess(binary: binary, configuration: file, port: port, tlsPort: tlsPort)
    }

    /// `haproxy -c`: whether HAProxy accepts the configuration file at `path`, and what it said.
    static func check(configuration path: String) async throws -> CommandResult {
        try await ExternalCommand.run(try binary(), ["-c", "-f", path], timeout: 30)
    }

    private init(binary: String, configuration: String, port: Int, tlsPort: Int?) throws {
        self.port = port
        self.tlsPort = tlsPort
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["-f", configuration, "-db"]
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        let exit = self.exit
        process.terminationHandler = { exit.record($0.terminationStatus) }
        try process.run()
        self.process = process
        output = PipeCollector(stdout.fileHandleForReading)
        errors = PipeCollector(stderr.fileHandleForReading)
    }

    deinit {
        if !exit.hasExited { kill(process.processIdentifier, SIGKILL) }
    }

    /// HAProxy's log (standard output) and its warnings (standard error), for failure messages.
    var transcript: String { "--- haproxy stdout\n\(output.text)\n--- haproxy stderr\n\(errors.text)" }

    /// Waits until a log line contains every one of `parts`; false after `timeout` seconds or when HAProxy exits.
    func waitForLine(containing parts: [String], timeout: Double = 30) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let found = output.text.split(separator: "\n").contains { line in parts.allSatisfy { line.contains($0) } }
            if found { return true }
            if exit.hasExited || Date() >= deadline { return false }
            try? await Task.sleep(for: .milliseconds(40))
        }
    }

    /// Stops HAProxy (SIGTERM, by its pid) and waits for it to exit.
    func stop() async throws {
        if !exit.hasExited { kill(process.processIdentifier, SIGTERM) }
        let exit = self.exit
        guard try await Blocking.run({ exit.wait(timeout: 15) }) else {
            kill(process.processIdentifier, SIGKILL)
            throw IntegrationError("haproxy did not stop within 15 s.\n\(transcript)")
        }
    }

    /// A port free on 127.0.0.1 now (HAProxy cannot pick one and tell), asked of the kernel by binding port 0.
    private static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw IntegrationError("socket() failed: errno \(errno)") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw IntegrationError("cannot find a free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
