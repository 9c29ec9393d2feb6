/// Every size limit of the protocol, in one place. Encoders and decoders enforce them.
public enum MonitorLimits {
    /// Bytes in a v1 request header: VER, TOKEN, METHOD, TARGET, DLEN.
    public static let v1RequestHeaderSize = 21
    /// Bytes in a v1 response header: STATUS, DLEN.
    public static let v1ResponseHeaderSize = 3
    /// Bytes in a v2 request header: VER, TOKEN, REQID, OP, DLEN.
    public static let v2RequestHeaderSize = 26
    /// Bytes in a v2 response header: VER, REQID, OP, STATUS, DLEN.
    public static let v2ResponseHeaderSize = 11
    /// Bytes in a token.
    public static let tokenLength = 16
    /// Largest v1 DATA (DLEN is 16 bits).
    public static let v1MaxDataLength = 65_535
    /// Largest v2 request DATA.
    public static let v2MaxRequestDataLength = 65_535
    /// Largest v2 response DATA (1 MiB).
    public static let v2MaxResponseDataLength = 1_048_576
    /// Bytes in a user or admin name (at least 1).
    public static let maxNameLength = 255
    /// Bytes in a password (at least 1).
    public static let maxPasswordLength = 1_024
    /// Bytes in a maildir path (at least 1).
    public static let maxPathLength = 4_096
    /// Bytes in a session id, a peer address or a version string.
    public static let maxShortTextLength = 255
    /// Bytes in a v2 error message.
    public static let maxErrorMessageLength = 1_024
    /// Points in one history answer; a query spanning more buckets gets `tooLarge`.
    public static let maxHistoryPoints = 4_096
    /// Nodes a cluster answer names; more may have been combined (the answer gives their number).
    public static let maxClusterNodesListed = 1_000
    /// Entries in one page of a list answer.
    public static let maxListPageEntries = 1_000
    /// Seconds the server allows for a whole request frame to arrive, counted from its first byte.
    public static let frameDeadlineSeconds = 5
    /// Seconds a v2 connection may sit idle between requests before the server closes it.
    public static let v2IdleSeconds = 60
    /// Seconds the server waits before it answers a request whose token is wrong; it then closes the connection.
    public static let wrongTokenDelaySeconds = 1
}
