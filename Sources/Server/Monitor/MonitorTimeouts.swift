import MonitorProtocol
public import NIOCore

/// The monitor port's timers: how long a frame may take to arrive, and how long a connection may sit idle.
public struct MonitorTimeouts: Sendable {
    /// A frame must be complete this long after its first byte.
    public var frame: TimeAmount
    /// A connection with no request in progress is closed after this long.
    public var idle: TimeAmount

    public init(frame: TimeAmount, idle: TimeAmount) {
        self.frame = frame
        self.idle = idle
    }

    /// The protocol's limits: 5 seconds per frame, 60 seconds idle.
    public static let standard = MonitorTimeouts(
        frame: .seconds(Int64(MonitorLimits.frameDeadlineSeconds)), idle: .seconds(Int64(MonitorLimits.v2IdleSeconds)))
}
