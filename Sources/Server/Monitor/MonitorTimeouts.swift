import MonitorProtocol
public import NIOCore

/// The monitor port's timers: how long a frame may take to arrive, how long a connection may sit idle, and how
/// long a wrong token waits for its answer.
public struct MonitorTimeouts: Sendable {
    /// A frame must be complete this long after its first byte.
    public var frame: TimeAmount
    /// A connection with no request in progress is closed after this long.
    public var idle: TimeAmount
    /// A request with a wrong token is answered this long after its answer is known, and the connection closed:
    /// one connection cannot pipeline guesses, so each guess costs a connection slot for this long.
    public var wrongToken: TimeAmount

    public init(frame: TimeAmount, idle: TimeAmount, wrongToken: TimeAmount = standardWrongTokenDelay) {
        self.frame = frame
        self.idle = idle
        self.wrongToken = wrongToken
    }

    /// The protocol's wrong-token delay: 1 second.
    public static let standardWrongTokenDelay = TimeAmount.seconds(Int64(MonitorLimits.wrongTokenDelaySeconds))

    /// The protocol's limits: 5 seconds per frame, 60 seconds idle, 1 second before a wrong token's answer.
    public static let standard = MonitorTimeouts(
        frame: .seconds(Int64(MonitorLimits.frameDeadlineSeconds)), idle: .seconds(Int64(MonitorLimits.v2IdleSeconds)),
        wrongToken: standardWrongTokenDelay)
}
