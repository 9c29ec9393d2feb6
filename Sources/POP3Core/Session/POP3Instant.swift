/// A point on a monotonic clock, in nanoseconds, given by the caller: the session reads no clock itself, so tests
/// move time by hand and the handler passes its event loop's time.
public struct POP3Instant: Comparable, Hashable, Sendable {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = POP3Instant(nanoseconds: 0)

    public static func < (lhs: POP3Instant, rhs: POP3Instant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    public static func + (lhs: POP3Instant, rhs: Duration) -> POP3Instant {
        let (seconds, attoseconds) = rhs.components
        let nanoseconds = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        return POP3Instant(nanoseconds: lhs.nanoseconds &+ UInt64(nanoseconds))
    }
}

/// How long a session may stay silent: before a login (short; nobody has proved anything yet) and after it (the
/// RFC 1939 autologout).
public struct POP3Timeouts: Sendable, Equatable {
    public var preLogin: Duration
    public var idle: Duration

    public init(preLogin: Duration = .seconds(60), idle: Duration = .seconds(600)) {
        self.preLogin = preLogin
        self.idle = idle
    }
}

/// How much input may wait for the session before the handler stops reading the socket.
public struct POP3InputLimit: Sendable, Equatable {
    public var lines: Int
    public var bytes: Int

    public init(lines: Int = 64, bytes: Int = 64 * 1_024) {
        self.lines = lines
        self.bytes = bytes
    }
}

/// Which small messages a RETR may read ahead for RETRs still waiting in the input queue.
public struct POP3ReadAheadLimit: Sendable, Equatable {
    /// Messages up to this many octets may be read ahead.
    public var messageSize: Int
    /// Octets read ahead for one RETR at most.
    public var budget: Int
    /// Queued lines looked at.
    public var lookahead: Int

    public init(messageSize: Int = 64 * 1_024, budget: Int = 256 * 1_024, lookahead: Int = 64) {
        self.messageSize = messageSize
        self.budget = budget
        self.lookahead = lookahead
    }
}
