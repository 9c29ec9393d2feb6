/// Where the monitor listens, and how long pop3ctl waits for it.
struct MonitorEndpoint: Sendable, Hashable {
    var host: String
    var port: Int
    /// Limit for connecting and for each answer to arrive.
    var timeout: Duration = .seconds(5)

    var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
