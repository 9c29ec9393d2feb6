import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import Server

/// The handler that waits for the PROXY header, on NIO's embedded channel with time moved by hand: nothing behind it
/// sees the connection before the header, the bytes after the header reach the handlers it installs, and a missing
/// or broken header closes the connection.
@Suite struct ProxyHeaderHandlerTests {
    /// Stands for the session's handlers: records activation and every byte it is given.
    final class Session: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var isActive = false
        var bytes: [UInt8] = []

        func channelActive(context: ChannelHandlerContext) {
            isActive = true
            context.fireChannelActive()
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            bytes += unwrapInboundIn(data).readableBytesView
        }

        var text: String { String(decoding: bytes, as: UTF8.self) }
    }

    /// A connection from a trusted balancer, its header handler in place; `resolutions` lists what it resolved to.
    final class Connection {
        let channel = EmbeddedChannel()
        let session = Session()
        var resolutions: [ProxyHeader?] = []

        init(required: Bool = true, timeout: Duration = .seconds(5)) throws {
            let policy = ProxyProtocolPolicy(
                trustedNetworks: [AddressRange("10.0.0.0/8")!], headerRequired: required, headerTimeout: timeout)
            let handler = ProxyHeaderHandler(
                socketPeer: "10.0.0.5", policy: policy, logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }
            ) { [self] header in
                resolutions.append(header)
                try channel.pipeline.syncOperations.addHandler(session)
            }
            try channel.pipeline.syncOperations.addHandler(handler)
            try channel.connect(to: SocketAddress(ipAddress: "10.0.0.5", port: 40_000)).wait()
        }

        func send(_ text: String) throws { try send(Array(text.utf8)) }

        func send(_ bytes: [UInt8]) throws { try channel.writeInbound(ByteBuffer(bytes: bytes)) }

        var headerHandlerLeft: Bool {
            (try? channel.pipeline.syncOperations.handler(type: ProxyHeaderHandler.self)) == nil
        }
    }

    static let client = ProxiedConnection(
        source: "192.0.2.10", sourcePort: 56_324, destination: "198.51.100.1", destinationPort: 110)

    @Test func aHeaderAndTheCommandsBehindItInOneRead() throws {
        let connection = try Connection()
        #expect(!connection.session.isActive)
        try connection.send("PROXY TCP4 192.0.2.10 198.51.100.1 56324 110\r\nCAPA\r\nUSER alice\r\n")
        #expect(connection.resolutions == [ProxyHeader(version: 1, client: Self.client)])
        #expect(connection.session.isActive)
        #expect(connection.session.text == "CAPA\r\nUSER alice\r\n")
        #expect(connection.headerHandlerLeft)
        // Later bytes go straight to the session.
        try connection.send("PASS secret\r\n")
        #expect(connection.session.text == "CAPA\r\nUSER alice\r\nPASS secret\r\n")
        #expect(connection.channel.isActive)
    }

    @Test func aHeaderArrivingOctetByOctet() throws {
        let connection = try Connection()
        let header =
            ProxyHeaderParser.v2Signature + [0x21, 0x11, 0x00, 0x0C, 192, 0, 2, 10, 198, 51, 100, 1]
            + [0xDC, 0x04, 0x00, 0x6E]
        for byte in header.dropLast() {
            try connection.send([byte])
            #expect(!connection.session.isActive && connection.resolutions.isEmpty)
        }
        try connection.send([header.last!] + Array("QUIT\r\n".utf8))
        #expect(connection.resolutions == [ProxyHeader(version: 2, client: Self.client)])
        #expect(connection.session.isActive && connection.session.text == "QUIT\r\n")
    }

    @Test func aHealthCheckKeepsTheSocketsAddresses() throws {
        let connection = try Connection()
        try connection.send(ProxyHeaderParser.v2Signature + [0x20, 0x00, 0x00, 0x00])
        #expect(connection.resolutions == [ProxyHeader(version: 2, client: nil)])
        #expect(connection.session.isActive && connection.session.bytes.isEmpty)
    }

    @Test func noHeaderWithinTheTimeoutCloses() throws {
        let connection = try Connection()
        connection.channel.embeddedEventLoop.advanceTime(by: .milliseconds(4_999))
        #expect(connection.channel.isActive)
        connection.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(!connection.channel.isActive)
        #expect(connection.resolutions.isEmpty && !connection.session.isActive)
    }

    @Test func partOfAHeaderWithinTheTimeoutCloses() throws {
        for required in [true, false] {
            let connection = try Connection(required: required)
            try connection.send("PROXY TCP4 192.0.2.10")
            connection.channel.embeddedEventLoop.advanceTime(by: .seconds(5))
            #expect(!connection.channel.isActive, "required: \(required)")
            #expect(connection.resolutions.isEmpty)
        }
    }

    @Test func aBrokenHeaderClosesAtOnce() throws {
        for bytes in ["PROXY TCP4 192.0.2.10 198.51.100.1 56324\r\n", "USER alice\r\n"] {
            let connection = try Connection()
            try connection.send(bytes)
            #expect(!connection.channel.isActive, "\(bytes.debugDescription)")
            #expect(connection.resolutions.isEmpty && connection.session.bytes.isEmpty)
        }
        // With the header optional, a broken header is still no direct client.
        let optional = try Connection(required: false)
        try optional.send("PROXY TCP9\r\n")
        #expect(!optional.channel.isActive && optional.resolutions.isEmpty)
    }

    @Test func anOptionalHeaderLetsADirectClientInAfterTheTimeout() throws {
        let silent = try Connection(required: false)
        silent.channel.embeddedEventLoop.advanceTime(by: .seconds(5))
        #expect(silent.resolutions == [nil])
        #expect(silent.session.isActive && silent.channel.isActive && silent.headerHandlerLeft)
        // A client that speaks first is direct at once, its bytes kept.
        let talking = try Connection(required: false)
        try talking.send("CAPA\r\n")
        #expect(talking.resolutions == [nil])
        #expect(talking.session.isActive && talking.session.text == "CAPA\r\n")
    }

    @Test func theTimerIsGoneOnceResolved() throws {
        let connection = try Connection()
        try connection.send("PROXY UNKNOWN\r\n")
        connection.channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(connection.channel.isActive)
        #expect(connection.resolutions == [ProxyHeader(version: 1, client: nil)])
    }
}
