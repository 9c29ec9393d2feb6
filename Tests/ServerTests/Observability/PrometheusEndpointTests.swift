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
            let client = try LoopbackSocket(port: port)
            client.send(
                "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\nGET /other HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n"
            )
            let answer = try #require(client.readTextUntilClosed(seconds: 5))
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
            let old = try LoopbackSocket(port: port)
            old.send("POST /metrics HTTP/1.0\r\n\r\n")
            let answer = try #require(old.readTextUntilClosed(seconds: 5))
            #expect(answer.hasPrefix("HTTP/1.0 405 Method Not Allowed\r\n"), "\(answer)")
            #expect(answer.contains("\r\nAllow: GET\r\n"))

            let garbage = try LoopbackSocket(port: port)
            garbage.send("\u{1}\u{2} not http at all\r\n\r\n")
            let refused = try #require(garbage.readTextUntilClosed(seconds: 5))
            #expect(refused.hasPrefix("HTTP/1.1 400"), "\(refused)")
        }
    }

    /// Runs an endpoint on a free loopback port for `body`, then shuts it down.
    private func withEndpoint(
        metrics: ServerMetrics, _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let logger = Logger(label: "metrics-test")
        try await withBoundService(
            logger: logger,
            { reportPort in
                PrometheusEndpoint(
                    address: MetricsListenAddress(host: "127.0.0.1", port: 0), metrics: metrics, logger: logger
                ) { reportPort($0.port ?? 0) }
            }, body)
    }
}
