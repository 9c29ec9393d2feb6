import Foundation
import Glibc
import Logging
import NIOCore
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
            #expect(answer.contains("\npop3d_connections_total{node=\"endpoint-node\"} 5\n"))
            #expect(
                answer.contains(
                    "pop3d_build_info{node=\"endpoint-node\",version=\"\(ServerConfiguration.version)\"} 1\n"))
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

    @Test("a request trickled a byte at a time is closed at the request deadline")
    func trickle() async throws {
        try await withEndpoint(metrics: ServerMetrics(), requestTimeout: .milliseconds(500)) { port in
            let client = try LoopbackSocket(port: port)
            let start = Date()  // before the first byte, so never after the server's deadline started
            let request =
                Array("GET /metrics HTTP/1.1\r\nHost: test\r\nX-Slow: ".utf8) + Array(repeating: 0x61, count: 1_000)
            #expect(await client.trickleUntilClosedOffThread(request, interval: 0.05, seconds: 30))
            #expect(Date().timeIntervalSince(start) >= 0.5 - 0.05)
        }
    }

    @Test("over the caps a request is answered 503 and the connection closed; a freed slot admits again")
    func caps() async throws {
        let metrics = ServerMetrics()
        try await withEndpoint(metrics: metrics, caps: ConnectionCaps(total: 1, perAddress: 1)) { port in
            // A keep-alive connection answered once: the server has admitted it.
            let held = try LoopbackSocket(port: port)
            held.send("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
            let first = try #require(await held.readOffThread(seconds: 30, until: Self.oneResponse))
            #expect(String(decoding: first, as: UTF8.self).hasPrefix("HTTP/1.1 200 OK\r\n"))

            let over = try LoopbackSocket(port: port)
            over.send("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
            let refused = String(
                decoding: try #require(await over.readUntilClosedOffThread(seconds: 30)), as: UTF8.self)
            #expect(refused.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "\(refused)")
            #expect(refused.contains("\r\nConnection: close\r\n"))
            #expect(refused.contains("Too many connections"))
            #expect(metrics.value(.connectionsRejected) == 1)

            // Closing the held connection frees its slot (once the server has seen it go: retried until then).
            shutdown(held.descriptor, Int32(SHUT_RDWR))
            let deadline = Date().addingTimeInterval(30)
            var admitted = false
            while !admitted, Date() < deadline {
                let next = try LoopbackSocket(port: port)
                next.send("GET /metrics HTTP/1.0\r\n\r\n")
                let answer = await next.readUntilClosedOffThread(seconds: 30) ?? []
                admitted = String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.0 200 OK")
                if !admitted { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(admitted)
        }
    }

    @Test("a client that pipelines requests and never reads its answers is pushed back; others are still served")
    func pipeliningWithoutReading() async throws {
        try await withEndpoint(metrics: ServerMetrics()) { port in
            let greedy = try LoopbackSocket(port: port)
            let requests = Array(String(repeating: "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n", count: 1_000).utf8)
            // Without pushback the server reads on and keeps every answer in memory: sends never stall.
            let sent = await greedy.sendUntilStalledOffThread(requests, stall: 2, seconds: 60)
            #expect(sent != nil, "the server never pushed back")
            let other = try LoopbackSocket(port: port)
            other.send("GET /metrics HTTP/1.0\r\n\r\n")
            let answer = String(decoding: await other.readUntilClosedOffThread(seconds: 30) ?? [], as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.0 200 OK"), "\(answer.prefix(100))")
        }
    }

    /// True once `bytes` hold a whole HTTP response with a Content-Length.
    @Sendable static func oneResponse(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n"),
            let field = text[..<end.lowerBound].split(separator: "\r\n").first(where: {
                $0.lowercased().hasPrefix("content-length:")
            }),
            let length = Int(field.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return false }
        return text.utf8.count >= text[..<end.upperBound].utf8.count + length
    }

    /// Runs an endpoint on a free loopback port for `body`, then shuts it down.
    private func withEndpoint(
        metrics: ServerMetrics, caps: ConnectionCaps = .metricsDefault,
        requestTimeout: TimeAmount = PrometheusEndpoint.defaultRequestTimeout,
        _ body: @escaping @Sendable (Int) async throws -> Void
    ) async throws {
        let logger = Logger(label: "metrics-test")
        try await withBoundService(
            logger: logger,
            { reportPort in
                PrometheusEndpoint(
                    address: MetricsListenAddress(host: "127.0.0.1", port: 0), metrics: metrics,
                    node: "endpoint-node", logger: logger, caps: caps, requestTimeout: requestTimeout
                ) { reportPort($0.port ?? 0) }
            }, body)
    }
}
