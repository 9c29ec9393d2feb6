import Foundation
import Glibc
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import Testing

@testable import Server

@Suite("Monitor listener", .serialized)
struct MonitorListenerTests {
    static let token = Array(MonitorTestServer.adminToken.utf8)

    @Test("a client that half-closes after its request still gets the answer")
    func halfClose() async throws {
        try await withListener { port in
            let socket = try BlockingSocket(port: port)
            socket.send([0x01] + Self.token + [0x00, 0x00, 0x00, 0x01, 0x00])
            shutdown(socket.descriptor, Int32(SHUT_WR))
            #expect(socket.readUntilClosed(seconds: 5) == [0x00, 0x00, 0x04, 0, 0, 0, 0])
        }
    }

    @Test("an unfinished frame is closed at its deadline, and an idle connection after the idle time")
    func timers() async throws {
        try await withListener(timeouts: MonitorTimeouts(frame: .milliseconds(300), idle: .milliseconds(600))) {
            port in
            let partial = try BlockingSocket(port: port)
            partial.send([0x02] + Self.token)
            var start = Date()
            #expect(partial.readUntilClosed(seconds: 5).isEmpty)
            #expect((0.2..<3).contains(Date().timeIntervalSince(start)))

            let idle = try BlockingSocket(port: port)
            start = Date()
            #expect(idle.readUntilClosed(seconds: 5).isEmpty)
            #expect((0.5..<3).contains(Date().timeIntervalSince(start)))
        }
    }

    @Test("the port is not bound when the monitor is disabled")
    func disabled() async throws {
        let test = try MonitorTestServer()
        var configuration = test.server.configuration
        configuration.monitorPort = -1
        let server = ServerContext(
            configuration: configuration, stores: test.storage.stores, maildir: test.folder.path,
            metrics: ServerMetrics(), logger: Logger(label: "monitor-test"))
        let bound = Atomic<Bool>(false)
        // Returns at once instead of waiting for shutdown.
        try await MonitorListener(server: server, onBound: { _ in bound.store(true, ordering: .relaxed) }).run()
        let wasBound = bound.load(ordering: .relaxed)
        #expect(!wasBound)
    }

    @Test("loopback addresses are told apart from the rest")
    func loopback() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "localhost", "::ffff:127.0.0.1"] {
            #expect(MonitorAddress.isLoopback(host: host), "\(host)")
        }
        for host in ["0.0.0.0", "::", "192.0.2.1", "10.0.0.1", "2001:db8::1", "not an address"] {
            #expect(!MonitorAddress.isLoopback(host: host), "\(host)")
        }
    }

    /// Runs a MonitorListener on a free loopback port for `body`, then shuts it down.
    private func withListener(
        timeouts: MonitorTimeouts = .standard, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let test = try MonitorTestServer()
        var configuration = test.server.configuration
        configuration.monitorPort = 0
        let server = ServerContext(
            configuration: configuration, stores: test.storage.stores, maildir: test.folder.path,
            metrics: ServerMetrics(), logger: Logger(label: "monitor-test"))
        server.start()
        let port = Atomic<Int>(0)
        let listener = MonitorListener(server: server, timeouts: timeouts) {
            port.store($0.port ?? 0, ordering: .releasing)
        }
        let group = ServiceGroup(services: [listener], logger: Logger(label: "monitor-test"))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for _ in 0..<200 where port.load(ordering: .acquiring) == 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            let bound = port.load(ordering: .acquiring)
            defer { Task { await group.triggerGracefulShutdown() } }
            try #require(bound > 0)
            try await body(bound)
        }
        try await server.shutdown()
    }
}

/// A blocking IPv4 TCP client for the listener tests.
private final class BlockingSocket {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw TestFailure("connect failed: errno \(errno)") }
    }

    deinit { close(descriptor) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    /// Everything received until the peer closes (or `seconds` pass).
    func readUntilClosed(seconds: Double) -> [UInt8] {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, 100) >= 0 else { break }
            guard request.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4_096)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            received += chunk[..<count]
        }
        return received
    }
}
