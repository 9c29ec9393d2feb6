/// What `TOP USERS` (0x70) and `FAILED LOGINS BY PEER` (0x71) ask: the finished sessions or login attempts since a
/// time, the largest first, at most `limit` entries.
public struct RankingQuery: Sendable, Hashable {
    /// Unix seconds; rows at or after it count.
    public var since: Int64
    /// 1 ... `maxEntries`.
    public var limit: UInt16

    /// The most entries one answer carries.
    public static let maxEntries: UInt16 = 100

    public init(since: Int64, limit: UInt16) {
        self.since = since
        self.limit = limit
    }
}

/// One user's finished sessions in a ranking by bytes sent.
public struct UserTraffic: Sendable, Hashable {
    public var user: String
    public var sessions: UInt64
    /// Bytes sent to the user's clients.
    public var bytesOut: UInt64
    /// Messages sent by RETR.
    public var retrieved: UInt64

    public init(user: String, sessions: UInt64, bytesOut: UInt64, retrieved: UInt64) {
        self.user = user
        self.sessions = sessions
        self.bytesOut = bytesOut
        self.retrieved = retrieved
    }
}

/// One client address's failed logins (bad credentials).
public struct PeerFailures: Sendable, Hashable {
    /// The address as logged, without the port.
    public var peer: String
    public var failed: UInt64
    /// Unix seconds of the latest.
    public var lastFailure: Int64

    public init(peer: String, failed: UInt64, lastFailure: Int64) {
        self.peer = peer
        self.failed = failed
        self.lastFailure = lastFailure
    }
}
