/// Commands served in a session, for the logout log line and the session record.
public struct SessionCounters: Equatable, Sendable {
    /// Messages sent whole by RETR.
    public var retr = 0
    /// Messages sent in part by TOP.
    public var top = 0
    /// Deletions recorded by DELE (an RSET later does not lower it).
    public var dele = 0

    public init() {}
}
