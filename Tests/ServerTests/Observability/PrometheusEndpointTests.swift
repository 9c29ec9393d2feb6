import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import Testing

@testable import Server

@Suite("Prometheus endpoint", .serialized)
struct PrometheusEndpointTests {
    @Test("keep-alive: two requests on one connection, the second closing it")
    func keepAlive() async throws {
        let metrics = ServerMetrics()
        metrics.add(.connectionsTotal, 5)
        try await withEndpoint(metrics: metrics) { port in
            let client = try LoopbackHTTPClient(port: port)
            client.send(
                "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\nGET /other HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
            )
            let answer = try #require(client.readUntilClosed(seconds: 5))
            #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"), "\(answer)")
            #expect(answer.contains("\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"))
            #expect(answer.contains("\npop3d_connections_total 5\n"))
            #expect(answer.contains("pop3d_build_info{version=\"\(ServerConfiguration.version)\"} 1\n"))
            let second = try #require(answer.range(of: "HTTP/1.1 404 Not Found\r\n"))
            #expect(answer[second.upperBound...].contains("Connection: close"))
        }
    }

    @Test("HTTP/1.0 gets one answer and a close; garbage gets 400 and a close")
    func oneShotAndBadInput() async throws {
        try await withEndpoint(metrics: ServerMetrics()) { port in
            let old = try LoopbackHTTPClient(port: port)
            old.send("POST /metrics HTTP/1.0\r\n\r\n")
            let answer = try #require(old.readUntilClosed(seconds: 5))
            #expect(answer.hasPrefix("HTTP/1.0 405 Method Not Allowed\r\n"), "\(answer)")
            #expect(answer.contains("\r\nAllow: GET\r\n"))

            let garbage = try LoopbackHTTPClient(port: port)
            garbage.send("\u{1}\u{2} not http at all\r\n\r\n")
            let refused = try #require(garbage.readUntilClosed(seconds: 5))
            #expect(refused.hasPrefix("HTTP/1.1 400"), "\(refused)")
        }
    }

    /// Runs an endpoint on a free loopback port for `body`, then shuts it down.
    private func withEndpoint(
        metrics: ServerMetrics, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let port = Atomic<Int>(0)
        let logger = Logger(label: "metrics-test")
        let endpoint = PrometheusEndpoint(
            address: MetricsListenAddress(host: "127.0.0.1", port: 0), metrics: metrics, logger: logger
        ) { port.store($0.port ?? 0, ordering: .releasing) }
        let group = ServiceGroup(services: [endpoint], logger: logger)
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
    }
}
