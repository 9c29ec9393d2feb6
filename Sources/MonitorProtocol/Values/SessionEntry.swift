/// A live POP3 session as listed by v2.
public struct SessionEntry: Sendable, Hashable {
    public var id: String
    /// The logged-in user; empty before login.
    public var user: String
    /// The client's address, e.g. "192.0.2.7:51234".
    public var peer: String
    /// When the connection was accepted, Unix seconds.
    public var since: Int64
    public var bytesIn: UInt64
    public var bytesOut: UInt64

    public init(id: String, user: String, peer: String, since: Int64, bytesIn: UInt64, bytesOut: UInt64) {
        self.id = id
        self.user = user
        self.peer = peer
        self.since = since
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
    }
}
