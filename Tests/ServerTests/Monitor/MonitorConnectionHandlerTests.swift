import Foundation
import MonitorProtocol
import NIOCore
import NIOEmbedded
import Testing

@testable import Server

/// The monitor handler on NIO's testing channel: bytes in, bytes out, no socket. Requests are answered by the real
/// processor off the loop and come back through the testing loop, which the test runs until they do.
@Suite struct MonitorConnectionHandlerTests {
    final class Connection {
        let test: MonitorTestServer
        let channel: NIOAsyncTestingChannel

        init(timeouts: MonitorTimeouts = .standard) async throws {
            test = try MonitorTestServer()
            let (processor, logger, metrics) = (test.processor, test.logger, test.metrics)
            channel = try await NIOAsyncTestingChannel { channel in
                let handler = MonitorConnectionHandler(
                    processor: processor, timeouts: timeouts, peer: "127.0.0.1", logger: logger, metrics: metrics)
                try channel.pipeline.syncOperations.addHandler(handler)
            }
            try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 4_000))
        }

        /// Everything written until the channel closes (or the time runs out).
        func writtenUntilClosed(timeout: Double = 30) async throws -> [UInt8] {
            var bytes: [UInt8] = []
            let deadline = ContinuousClock.now + .seconds(timeout)
            while ContinuousClock.now < deadline {
                await channel.testingEventLoop.run()
                while let buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                    bytes += buffer.readableBytesView
                }
                if !channel.isActive { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            // The last answer may land while the loop above checks for the close: read what is left once more.
            await channel.testingEventLoop.run()
            while let buffer = try await channel.readOutbound(as: ByteBuffer.self) { bytes += buffer.readableBytesView }
            return bytes
        }

        func close() async throws {
            _ = try? await channel.finish()
            try await test.files.pool.shutdownGracefully()
        }
    }

    static let token = Array(MonitorTestServer.adminToken.utf8)

    @Test func pipelinedRequestsAreAnsweredInOrderAndAVersionOneRequestCloses() async throws {
        let connection = try await Connection()
        var burst: [UInt8] = []
        for id in UInt8(1)...3 {
            burst += [0x02] + Self.token + [0, 0, 0, id, 0x01, 0, 0, 0, 0]  // server info
        }
        burst += [0x01] + Self.token + [0x00, 0x00, 0x00, 0x01, 0x00]  // v1 GET: answered last, then closed
        try await connection.channel.writeInbound(ByteBuffer(bytes: burst))
        let written = try await connection.writtenUntilClosed()
        #expect(!connection.channel.isActive)
        var bytes = written[...]
        for id in UInt8(1)...3 {
            guard bytes.count >= 11 else {
                Issue.record("answer \(id) missing: \(written)")
                return
            }
            #expect(Array(bytes.prefix(7)) == [0x02, 0, 0, 0, id, 0x01, 0x00])
            let length = bytes.dropFirst(7).prefix(4).reduce(0) { $0 << 8 | Int($1) }
            bytes = bytes.dropFirst(11 + length)
        }
        #expect(Array(bytes.prefix(3)) == [0x00, 0x00, 0x04])
        #expect(bytes.count == 7)
        #expect(connection.test.metrics.value(.monitorRequests) == 4)
        try await connection.close()
    }

    @Test func anUnfinishedFrameClosesAtItsDeadlineAndAnIdleConnectionAfterTheIdleTime() async throws {
        let timeouts = MonitorTimeouts(frame: .seconds(5), idle: .seconds(60))
        let partial = try await Connection(timeouts: timeouts)
        try await partial.channel.writeInbound(ByteBuffer(bytes: [0x02] + Self.token))
        await partial.channel.testingEventLoop.advanceTime(by: .milliseconds(4_999))
        #expect(partial.channel.isActive)
        await partial.channel.testingEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try await partial.writtenUntilClosed(timeout: 5).isEmpty)
        #expect(!partial.channel.isActive)
        try await partial.close()

        let idle = try await Connection(timeouts: timeouts)
        await idle.channel.testingEventLoop.advanceTime(by: .seconds(59))
        #expect(idle.channel.isActive)
        await idle.channel.testingEventLoop.advanceTime(by: .seconds(1))
        #expect(!idle.channel.isActive)
        try await idle.close()
    }
}
