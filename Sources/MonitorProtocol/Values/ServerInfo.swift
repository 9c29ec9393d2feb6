/// The v2 answer to "server info", used by `pop3ctl ping`.
public struct ServerInfo: Sendable, Hashable {
    public var version: String
    public var uptimeSeconds: UInt64
    /// The server's clock, Unix seconds.
    public var time: Int64

    public init(version: String, uptimeSeconds: UInt64, time: Int64) {
        self.version = version
        self.uptimeSeconds = uptimeSeconds
        self.time = time
    }
}
