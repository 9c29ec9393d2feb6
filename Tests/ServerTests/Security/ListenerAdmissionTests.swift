import Logging
import NIOCore
import NIOEmbedded
import Testing

@testable import Server

/// The caps of the monitor and metrics ports, on embedded channels from chosen addresses.
@Suite struct ListenerAdmissionTests {
    static func channel(from address: String) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        channel.remoteAddress = try SocketAddress(ipAddress: address, port: 4_000)
        return channel
    }

    /// Closes `channel` and runs its loop, which completes the close future.
    static func close(_ channel: EmbeddedChannel) {
        channel.close(promise: nil)
        channel.embeddedEventLoop.run()
    }

    @Test("caps per address (loopback included) and in total; refusals are counted, and capped in turn")
    func caps() throws {
        let metrics = ServerMetrics()
        let admission = ListenerAdmission(
            caps: ConnectionCaps(total: 3, perAddress: 2), listener: "test", metrics: metrics,
            logger: Logger(label: "test"))
        let local = try (0..<5).map { _ in try Self.channel(from: "127.0.0.1") }
        let remote = try (0..<2).map { _ in try Self.channel(from: "192.0.2.1") }
        #expect(admission.admit(local[0]) == .serve)
        #expect(admission.admit(local[1]) == .serve)
        #expect(admission.admit(local[2]) == .refuse)  // per address
        #expect(admission.admit(remote[0]) == .serve)
        #expect(admission.admit(remote[1]) == .refuse)  // in total
        // Refusals in progress have the same caps: a third from 127.0.0.1 at once is closed without an answer.
        #expect(admission.admit(local[3]) == .refuse)
        #expect(admission.admit(local[4]) == .drop)
        #expect(metrics.value(.connectionsRejected) == 4)

        // A closed connection frees its slot: served or refusing.
        Self.close(local[0])
        let again = try Self.channel(from: "127.0.0.1")
        #expect(admission.admit(again) == .serve)
        Self.close(local[2])
        #expect(admission.admit(try Self.channel(from: "127.0.0.1")) == .refuse)
        #expect(metrics.value(.connectionsRejected) == 5)
    }
}
