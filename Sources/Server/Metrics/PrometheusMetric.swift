import Maildir
public import MonitorProtocol
import POP3Core

/// How one `MetricID` appears in the Prometheus exposition: its name, help text and type.
public struct PrometheusMetric: Sendable, Equatable {
    /// Prometheus's two kinds we use: counters only grow (a restart may reset them), gauges go up and down.
    public enum Kind: String, Sendable {
        case counter
        case gauge
    }

    public let name: String
    public let help: String
    public let kind: Kind

    /// `pop3d_` + the metric's name, counters ending in `_total` (Prometheus naming conventions).
    public init(_ metric: MetricID) {
        kind = metric.isCounter ? .counter : .gauge
        let base = "pop3d_\(metric.name)"
        name = kind == .counter && !base.hasSuffix("_total") ? base + "_total" : base
        help = Self.help(metric)
    }

    private static func help(_ metric: MetricID) -> String {
        switch metric {
        case .connectionsCurrent: "POP3 connections open now."
        case .connectionsTotal: "POP3 connections accepted."
        case .bytesOut: "Bytes sent to POP3 clients."
        case .bytesIn: "Bytes received from POP3 clients."
        case .loginsOK: "Successful POP3 logins."
        case .loginsFailed: "Failed POP3 logins."
        case .messagesRetrieved: "Messages sent by RETR or TOP."
        case .messagesDeleted: "Messages deleted at QUIT."
        case .sessionsQuit: "Sessions ended by QUIT."
        case .sessionsTimeout: "Sessions closed by a timeout."
        case .sessionsDropped: "Sessions ended by the client going away or an error."
        case .sessionsShutdown: "Sessions closed by a server shutdown."
        case .monitorRequests: "Requests answered on the monitor port."
        case .uptimeSeconds: "Seconds since this pop3d process started."
        case .connectionsRejected: "Connections refused because a connection limit was reached."
        case .eventLoopStalls: "Times an event loop ran a timer more than 100 ms late: something blocked it."
        case .eventLoopLagMaxMilliseconds: "Largest lateness of an event loop's timer in the last 10 to 20 s, in ms."
        case .databaseBytes: "Bytes the SQLite database occupies: its pages, used or free, and its write-ahead log."
        }
    }
}
