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

    @Test("over the caps a request is answered 'server error' and the connection closed; a freed slot admits again")
    func caps() async throws {
        let test = try MonitorTestServer()
        let metrics = test.metrics
        try await withListener(test: test, caps: ConnectionCaps(total: 2, perAddress: 2)) { port in
            // Each held connection is answered once, so the server has admitted it.
            var held: [LoopbackSocket] = []
            for id in UInt8(1)...2 {
                let socket = try LoopbackSocket(port: port)
                socket.send(Self.serverInfo(id: id))
                let answer = try #require(await socket.readOffThread(seconds: 30, until: Self.oneAnswer))
                #expect(answer.prefix(7) == [0x02, 0, 0, 0, id, 0x01, 0x00])
                held.append(socket)
            }
            let over = try LoopbackSocket(port: port)
            over.send(Self.serverInfo(id: 3))
            let refused = try #require(await over.readUntilClosedOffThread(seconds: 30))
            #expect(refused.prefix(7) == [0x02, 0, 0, 0, 3, 0x01, 0x06], "\(refused)")
            #expect(String(decoding: refused.dropFirst(11), as: UTF8.self).contains("too many connections"))
            // A seed (v1) client reads "server error".
            let seed = try LoopbackSocket(port: port)
            seed.send([0x01] + Self.token + [0x00, 0x00, 0x00, 0x01, 0x00])
            #expect(await seed.readUntilClosedOffThread(seconds: 30) == [0x06, 0x00, 0x01, 0x00])
            #expect(metrics.value(.connectionsRejected) == 2)
            // Held connections are still served.
            held[1].send(Self.serverInfo(id: 4))
            #expect(
                try #require(await held[1].readOffThread(seconds: 30, until: Self.oneAnswer)).prefix(7) == [
                    2, 0, 0, 0, 4, 1, 0,
                ])

            // A client going away frees its slot (once the server has seen it go: retried until then).
            shutdown(held[0].descriptor, Int32(SHUT_RDWR))
            let deadline = Date().addingTimeInterval(30)
            var admitted = false
            while !admitted, Date() < deadline {
                let next = try LoopbackSocket(port: port)
                next.send(Self.serverInfo(id: 5))
                let answer = await next.readOffThread(seconds: 30, until: Self.oneAnswer) ?? []
                admitted = answer.count > 6 && answer[6] == 0x00
                if !admitted { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(admitted)
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

    /// A v2 server-info request.
    static func serverInfo(id: UInt8) -> [UInt8] {
        [0x02] + token + [0, 0, 0, id, 0x01, 0, 0, 0, 0]
    }

    /// True once `bytes` hold a whole v2 answer.
    @Sendable static func oneAnswer(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= 11 else { return false }
        return bytes.count >= 11 + bytes[7...10].reduce(0) { $0 << 8 | Int($1) }
    }

    /// Runs a MonitorListener on a free loopback port for `body`, then shuts it down.
    private func withListener(
        test: MonitorTestServer? = nil, timeouts: MonitorTimeouts = .standard,
        caps: ConnectionCaps = .monitorDefault, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let test = try test ?? MonitorTestServer()
        try await withBoundService(
            logger: Logger(label: "monitor-test"),
            { reportPort in
                test.monitorListener(timeouts: timeouts, caps: caps) { reportPort($0.port ?? 0) }
            }, body)
    }
}
