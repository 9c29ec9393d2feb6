import Logging
import NIOCore

/// How many connections one listener serves at once, in total and from one client address.
public struct ConnectionCaps: Sendable, Equatable, CustomStringConvertible {
    public var total: Int
    public var perAddress: Int

    public init(total: Int, perAddress: Int) {
        self.total = total
        self.perAddress = perAddress
    }

    /// The monitor port's: pop3ctl opens one connection per command.
    public static let monitorDefault = ConnectionCaps(total: 64, perAddress: 16)
    /// The metrics port's: a Prometheus server keeps one connection per target.
    public static let metricsDefault = ConnectionCaps(total: 16, perAddress: 4)

    public var description: String { "\(total) in total, \(perAddress) per address" }
}

/// Admits the connections of the monitor port or the metrics port under their caps (a `ConnectionLimiter` each),
/// counts every refusal in `connections_rejected` and logs it. Loopback is not exempt: both ports listen on
/// loopback by default, where an exemption would leave them uncapped.
///
/// A connection over a cap is refused with an answer its protocol understands, which means reading its request
/// first (so the close does not reset the connection under it). The refusals being answered are capped the same
/// way; over that, a connection is closed at once without an answer, so refusing costs a bounded number of sockets.
final class ListenerAdmission: Sendable {
    enum Admission: Equatable {
        /// Within the caps: serve it.
        case serve
        /// Over a cap: answer its request with a refusal, then close.
        case refuse
        /// Over a cap with too many refusals in progress: close at once.
        case drop
    }

    private let served: ConnectionLimiter
    private let refusing: ConnectionLimiter
    /// "monitor" or "metrics", for the log.
    private let listener: String
    private let metrics: ServerMetrics
    private let logger: Logger

    init(caps: ConnectionCaps, listener: String, metrics: ServerMetrics, logger: Logger) {
        served = ConnectionLimiter(maximumTotal: caps.total, maximumPerAddress: caps.perAddress, exempt: [])
        refusing = ConnectionLimiter(maximumTotal: caps.total, maximumPerAddress: caps.perAddress, exempt: [])
        self.listener = listener
        self.metrics = metrics
        self.logger = logger
    }

    /// Decides for a new connection; the slot it takes (served or refusing) is released when the channel closes.
    func admit(_ channel: any Channel) -> Admission {
        let address = channel.remoteAddress?.ipAddress ?? "unknown"
        let decision = served.admit(address)
        if decision == .admitted {
            channel.closeFuture.whenComplete { [served] _ in served.release(address) }
            return .serve
        }
        metrics.add(.connectionsRejected)
        logger.warning(
            "\(listener) connection refused: limit reached",
            metadata: ["peer": "\(address)", "limit": "\(decision == .overTotal ? "total" : "per address")"])
        guard refusing.admit(address) == .admitted else { return .drop }
        channel.closeFuture.whenComplete { [refusing] _ in refusing.release(address) }
        return .refuse
    }
}

/// Closes a connection as soon as it is active, without a word: a refusal that cannot be answered.
final class ClosingHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}
}
