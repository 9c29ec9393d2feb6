import MonitorProtocol
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A TCP connection to the monitor port. v1 sends one request per connection (the server closes after it);
/// v2 may send many in turn over one connection.
final class MonitorConnection: MonitorExchanging {
    private let endpoint: MonitorEndpoint
    private let version: MonitorVersion
    private let token: MonitorToken
    private let channel: any Channel
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private var decoder: MonitorResponseDecoder
    private var nextRequestID: UInt32 = 1

    private init(
        endpoint: MonitorEndpoint, version: MonitorVersion, token: MonitorToken, channel: any Channel,
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.endpoint = endpoint
        self.version = version
        self.token = token
        self.channel = channel
        self.inbound = inbound.makeAsyncIterator()
        self.outbound = outbound
        self.decoder = MonitorResponseDecoder(version: version)
    }

    /// Connects, runs `body`, and closes the connection whatever happens.
    static func with<Result: Sendable>(
        _ endpoint: MonitorEndpoint, version: MonitorVersion, token: MonitorToken,
        _ body: (MonitorConnection) async throws -> Result
    ) async throws -> Result {
        let asyncChannel = try await connect(endpoint)
        return try await asyncChannel.executeThenClose { inbound, outbound in
            let connection = MonitorConnection(
                endpoint: endpoint, version: version, token: token, channel: asyncChannel.channel,
                inbound: inbound, outbound: outbound)
            return try await body(connection)
        }
    }

    func send(_ operation: MonitorOperation) async throws -> MonitorResponse {
        let request = MonitorRequest(version: version, requestID: nextRequestID, token: token, operation: operation)
        nextRequestID &+= 1
        let bytes: [UInt8]
        do {
            bytes = try request.encoded()
        } catch {
            throw ClientError.cannotEncode(error.description)
        }
        let timedOut = TimeoutFlag()
        let channel = self.channel
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(endpoint.timeout)) {
            timedOut.fire()
            channel.close(promise: nil)
        }
        defer { timer.cancel() }
        try await outbound.write(ByteBuffer(bytes: bytes))
        let frame = try await readFrame(timedOut: timedOut)
        do {
            return try MonitorResponse.decode(frame, for: request)
        } catch {
            throw ClientError.badResponse(error.description)
        }
    }

    private func readFrame(timedOut: TimeoutFlag) async throws -> MonitorResponseFrame {
        while true {
            switch decoder.next() {
            case .frame(let frame): return frame
            case .failure(let error): throw ClientError.badResponse(error.description)
            case .needMore: break
            }
            let chunk: ByteBuffer?
            do {
                chunk = try await inbound.next()
            } catch {
                throw timedOut.hasFired ? ClientError.timedOut(endpoint) : ClientError.closedEarly(endpoint)
            }
            guard let chunk else {
                throw timedOut.hasFired ? ClientError.timedOut(endpoint) : ClientError.closedEarly(endpoint)
            }
            decoder.feed(chunk.readableBytesView)
        }
    }

    private static func connect(_ endpoint: MonitorEndpoint) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        do {
            return try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(endpoint.timeout))
                .connect(host: endpoint.host, port: endpoint.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ClientError.cannotConnect(endpoint, reason: reason(error))
        }
    }

    /// "connection refused", "timed out", "cannot resolve the host name": what an operator needs to know.
    private static func reason(_ error: any Error) -> String {
        if let connectionError = error as? NIOConnectionError {
            if let first = connectionError.connectionErrors.first {
                return reason(first.error)
            }
            return "cannot resolve the host name"
        }
        if let ioError = error as? IOError {
            return describe(errno: ioError.errnoCode)
        }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return "timed out"
        }
        return "\(error)"
    }

    private static func describe(errno code: CInt) -> String {
        guard let message = strerror(code) else { return "error \(code)" }
        let text = String(cString: message)
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}

/// Set by the timer that closes a connection whose answer is late, so the reader can tell a timeout from a close.
private final class TimeoutFlag: Sendable {
    private let fired = Atomic<Bool>(false)
    func fire() { fired.store(true, ordering: .relaxed) }
    var hasFired: Bool { fired.load(ordering: .relaxed) }
}

extension TimeAmount {
    fileprivate init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self = .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}
