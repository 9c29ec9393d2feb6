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
            let socket = try LoopbackSocket(port: port)
            socket.send([0x01] + Self.token + [0x00, 0x00, 0x00, 0x01, 0x00])
            shutdown(socket.descriptor, Int32(SHUT_WR))
            #expect(await socket.readUntilClosedOffThread(seconds: 5) == [0x00, 0x00, 0x04, 0, 0, 0, 0])
        }
    }

    @Test("an unfinished frame is closed at its deadline, and an idle connection after the idle time")
    func timers() async throws {
        // The idle time is far beyond the frame deadline, so a partial frame closed before it was closed by the
        // frame deadline; lower bounds are exact (a timer never fires early), upper bounds only catch "never".
        let frame = 0.3
        let idleTime = 2.0
        try await withListener(timeouts: MonitorTimeouts(frame: .milliseconds(300), idle: .seconds(2))) { port in
            let partial = try LoopbackSocket(port: port)
            var start = Date()
            partial.send([0x02] + Self.token)
            #expect(await partial.readUntilClosedOffThread(seconds: 30)?.isEmpty == true)
            let partialLasted = Date().timeIntervalSince(start)
            #expect(partialLasted >= frame - 0.05 && partialLasted < idleTime, "\(partialLasted) s")

            start = Date()
            let idle = try LoopbackSocket(port: port)
            #expect(await idle.readUntilClosedOffThread(seconds: 30)?.isEmpty == true)
            #expect(Date().timeIntervalSince(start) >= idleTime - 0.05, "\(Date().timeIntervalSince(start)) s")
        }
    }

    @Test("the port is not bound when the monitor is disabled")
    func disabled() async throws {
        let test = try MonitorTestServer()
        let bound = Atomic<Bool>(false)
        // Returns at once instead of waiting for shutdown.
        try await test.monitorListener(port: -1, onBound: { _ in bound.store(true, ordering: .relaxed) }).run()
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
        try await withBoundService(
            logger: Logger(label: "monitor-test"),
            { reportPort in
                test.monitorListener(timeouts: timeouts) { reportPort($0.port ?? 0) }
            }, body)
    }
}
