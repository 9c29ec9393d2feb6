import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import Server

/// The metrics port's pipeline on NIO's embedded channel, with time moved by hand.
@Suite struct PrometheusRequestDeadlineTests {
    static let timeout = TimeAmount.seconds(10)

    /// A connected channel with the endpoint's pipeline.
    static func connected(refusing: Bool = false) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try PrometheusEndpoint.addHandlers(
            to: channel.pipeline.syncOperations, refusing: refusing, metrics: ServerMetrics(), version: "test",
            node: "test-node", requestTimeout: timeout, logger: Logger(label: "metrics-test"))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4_000)).wait()
        return channel
    }

    /// Everything the channel wrote, as text.
    static func written(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while let data = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(let buffer) = data else { continue }
            text += String(buffer: buffer)
        }
        return text
    }

    @Test("bytes trickled every 100 ms do not extend the deadline: the connection closes 10 s after the first")
    func trickle() throws {
        let channel = try Self.connected()
        let request = Array("GET /metrics HTTP/1.1\r\nHost: test\r\nX-Slow: ".utf8) + Array(repeating: 0x61, count: 200)
        try channel.writeInbound(ByteBuffer(bytes: request.prefix(1)))
        for byte in request.dropFirst().prefix(99) {
            channel.embeddedEventLoop.advanceTime(by: .milliseconds(100))
            #expect(channel.isActive)
            try channel.writeInbound(ByteBuffer(bytes: [byte]))
        }
        // 9.9 s since the first byte.
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(99))
        #expect(channel.isActive)
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!channel.isActive)
    }

    @Test("each keep-alive request has a deadline of its own: requests taking 9 s are answered, one taking 10 s closed")
    func keepAlive() throws {
        let channel = try Self.connected()
        for _ in 0..<3 {
            try channel.writeInbound(ByteBuffer(string: "GET /metrics HTTP/1.1\r\n"))
            channel.embeddedEventLoop.advanceTime(by: .seconds(9))
            try channel.writeInbound(ByteBuffer(string: "Host: test\r\n\r\n"))
            #expect(try Self.written(channel).hasPrefix("HTTP/1.1 200 OK\r\n"))
            // No request in progress: only the (far longer) idle time runs.
            channel.embeddedEventLoop.advanceTime(by: .seconds(30))
            #expect(channel.isActive)
        }
        try channel.writeInbound(ByteBuffer(string: "GET /metrics HTTP/1.1\r\n"))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(!channel.isActive)
    }

    @Test("a refused connection is answered 503 and closed, and has the deadline from its connect")
    func refused() throws {
        let answered = try Self.connected(refusing: true)
        try answered.writeInbound(ByteBuffer(string: "GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n"))
        let text = try Self.written(answered)
        #expect(text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "\(text)")
        #expect(text.contains("\r\nConnection: close\r\n"))
        #expect(!answered.isActive)

        let silent = try Self.connected(refusing: true)
        silent.embeddedEventLoop.advanceTime(by: Self.timeout - .milliseconds(1))
        #expect(silent.isActive)
        silent.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!silent.isActive)
    }
}
