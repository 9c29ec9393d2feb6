public import Foundation

/// Rankings over the login and session history, for `pop3ctl report`: raw rows since a time (rows already folded
/// into daily totals by the history retention are not counted).
public protocol ActivityRanking: Sendable {
    /// Users by bytes sent in sessions that ended at or after `since`, the most first (ties by name).
    func topUsersByBytes(since: Date, limit: Int) async throws -> [UserTrafficTotal]
    /// Client addresses by failed logins (bad credentials) at or after `since`, the most first (ties by address).
    func failedLoginsByPeer(since: Date, limit: Int) async throws -> [PeerFailureCount]
}

/// One user's finished sessions.
public struct UserTrafficTotal: Sendable, Equatable {
    public var user: String
    public var sessions: Int
    public var bytesOut: Int64
    public var retrieved: Int

    public init(user: String, sessions: Int, bytesOut: Int64, retrieved: Int) {
        self.user = user
        self.sessions = sessions
        self.bytesOut = bytesOut
        self.retrieved = retrieved
    }
}

/// One address's failed logins.
public struct PeerFailureCount: Sendable, Equatable {
    public var peer: String
    public var failed: Int
    public var lastFailure: Date

    public init(peer: String, failed: Int, lastFailure: Date) {
        self.peer = peer
        self.failed = failed
        self.lastFailure = lastFailure
    }
}
