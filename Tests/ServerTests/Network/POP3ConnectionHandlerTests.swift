import Foundation
import NIOCore
import NIOEmbedded
import Synchronization
import Testing

@testable import Server

/// The connection handler on NIO's testing channel (the thread-safe `EmbeddedChannel`): bytes in, bytes out, no
/// socket. The pools are real, so an asynchronous step (a login) comes back through the testing loop, which the
/// test runs until it does.
@Suite struct POP3ConnectionHandlerTests {
    /// Counts the reads that reach the socket end of the pipeline.
    final class ReadCounter: ChannelOutboundHandler, Sendable {
        typealias OutboundIn = Any
        let reads = Atomic<Int>(0)
        func read(context: ChannelHandlerContext) {
            reads.add(1, ordering: .relaxed)
            context.read()
        }
    }

    /// One connection to a fresh server (the seed user foo/bar, an empty maildir).
    final class Connection {
        let test: MonitorTestServer
        let channel: NIOAsyncTestingChannel
        let reads = ReadCounter()

        init() async throws {
            test = try MonitorTestServer()
            let (connections, reads) = (test.connections, reads)
            channel = try await NIOAsyncTestingChannel { channel in
                let (decoder, handler) = connections.makeHandlers(peer: "127.0.0.1", implicitTLS: false)
                try channel.pipeline.syncOperations.addHandlers([reads, ByteToMessageHandler(decoder), handler])
            }
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 110))
        }

        func send(_ text: String) async throws { try await channel.writeInbound(ByteBuffer(string: text)) }

        /// Everything written so far, as text.
        func written() async throws -> String {
            await channel.testingEventLoop.run()
            var text = ""
            while let buffer = try await channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
            return text
        }

        /// Runs the loop until the output so far contains `expected` (a pool job hops back through it).
        func output(containing expected: String, timeout: Double = 30) async throws -> String {
            var text = ""
            let deadline = ContinuousClock.now + .seconds(timeout)
            while !text.contains(expected), ContinuousClock.now < deadline {
                text += try await written()
                if !text.contains(expected) { try await Task.sleep(for: .milliseconds(10)) }
            }
            return text
        }

        func read() async {
            channel.read()
            await channel.testingEventLoop.run()
        }

        func close() async throws {
            _ = try? await channel.finish()
            try await test.files.pool.shutdownGracefully()
        }
    }

    @Test func pipelinedCommandsAreAnsweredInOrder() async throws {
        let connection = try await Connection()
        #expect(try await connection.written() == "+OK pop3d ready.\r\n")
        try await connection.send("CAPA\r\nUSER foo\r\nPASS bar\r\nSTAT\r\nNOOP\r\nQUIT\r\n")
        let text = try await connection.output(containing: "Logging out")
        let firstLines = text.split(separator: "\r\n").filter { $0.hasPrefix("+") || $0.hasPrefix("-") }
        #expect(
            firstLines == [
                "+OK Capability list follows", "+OK", "+OK Logged in.", "+OK 0 0", "+OK", "+OK Logging out.",
            ], "\(text)")
        await connection.channel.testingEventLoop.run()
        #expect(!connection.channel.isActive)
        try await connection.close()
    }

    @Test func readingStopsWhileTooMuchInputWaitsAndResumesWhenItDrains() async throws {
        let connection = try await Connection()
        _ = try await connection.written()
        // A wrong password: checked on a pool, then answered after the failure delay (2 s), which the testing
        // loop's clock only reaches when the test moves it. The 100 lines behind it wait in the session's queue.
        try await connection.send("USER foo\r\nPASS wrong\r\n" + String(repeating: "CAPA\r\n", count: 100))
        let metrics = connection.test.metrics
        let deadline = ContinuousClock.now + .seconds(30)
        while metrics.value(.loginsFailed) == 0, ContinuousClock.now < deadline {
            await connection.channel.testingEventLoop.run()
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(metrics.value(.loginsFailed) == 1, "the password check never finished")
        let before = connection.reads.reads.load(ordering: .relaxed)
        await connection.read()
        #expect(connection.reads.reads.load(ordering: .relaxed) == before, "a read went through while 100 lines wait")
        // The delay passes: the refusal and the 100 CAPA answers go out, and the held read goes on to the socket.
        await connection.channel.testingEventLoop.advanceTime(to: .now() + .seconds(3))
        let text = try await connection.output(containing: "-ERR [AUTH]")
        #expect(text.hasPrefix("+OK\r\n-ERR [AUTH]"), "\(text.prefix(80))")
        #expect(text.components(separatedBy: "+OK Capability list follows").count - 1 == 100)
        #expect(connection.reads.reads.load(ordering: .relaxed) == before + 1)
        await connection.read()
        #expect(connection.reads.reads.load(ordering: .relaxed) == before + 2)
        try await connection.close()
    }

    @Test func overLongLinesAndJunkGetErrorsAndTheSessionGoesOn() async throws {
        let connection = try await Connection()
        _ = try await connection.written()
        try await connection.send(String(repeating: "x", count: 3_000) + "\r\n\u{0}\u{1}\r\nCAPA\r\n")
        let text = try await connection.output(containing: "Capability list follows")
        #expect(text.hasPrefix("-ERR Line too long.\r\n-ERR"), "\(text)")
        await connection.channel.testingEventLoop.run()
        #expect(connection.channel.isActive)
        try await connection.close()
    }
}
