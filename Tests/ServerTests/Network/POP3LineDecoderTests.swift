import NIOCore
import NIOEmbedded
import NIOTestUtils
import POP3Core
import Testing

@testable import Server

/// The line decoder gives the same lines however the bytes are split into reads (NIO's verifier feeds every case
/// whole, byte by byte and in random pieces).
@Suite struct POP3LineDecoderTests {
    static func line(_ text: String) -> POP3Inbound { .line(Array(text.utf8)) }

    @Test func linesDoNotDependOnHowTheBytesArrive() throws {
        let limit = POP3LineDecoder.maximumLineLength
        let exactly = String(repeating: "x", count: limit)
        let cases: [(ByteBuffer, [POP3Inbound])] = [
            (ByteBuffer(string: "CAPA\r\n"), [Self.line("CAPA")]),
            (ByteBuffer(string: "USER a\nPASS b c \r\n"), [Self.line("USER a"), Self.line("PASS b c ")]),
            (ByteBuffer(string: "\r\n\n"), [Self.line(""), Self.line("")]),
            (ByteBuffer(string: "a\rb\r\n"), [Self.line("a\rb")]),
            (ByteBuffer(string: exactly + "\r\n"), [Self.line(exactly)]),
            (ByteBuffer(string: exactly + "\n"), [Self.line(exactly)]),
            (ByteBuffer(string: exactly + "y\r\nNOOP\r\n"), [.lineTooLong, Self.line("NOOP")]),
            (ByteBuffer(string: String(repeating: "z", count: 5_000) + "\nQUIT\n"), [.lineTooLong, Self.line("QUIT")]),
        ]
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: cases) { POP3LineDecoder() }
    }

    @Test func aLineThatNeverEndsIsAnError() throws {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(POP3LineDecoder()))
        let chunk = ByteBuffer(repeating: UInt8(ascii: "a"), count: 16 * 1_024)
        for _ in 0..<4 { try channel.writeInbound(chunk) }
        #expect(throws: POP3LineDecoder.LineNeverEnds.self) { try channel.writeInbound(chunk) }
        #expect(try channel.readInbound(as: POP3Inbound.self) == nil)
    }
}
