import Maildir
public import MonitorProtocol
import POP3Core

/// How one `MetricID` appears in the Prometheus exposition: its name (Prometheus's conventions: base units,
/// `_total` on counters), help text, type, and the factor from the stored value to the base unit.
public struct PrometheusMetric: Sendable, Equatable {
    /// Prometheus's kinds we use: counters only grow (a restart may reset them), gauges go up and down.
    public enum Kind: String, Sendable {
        case counter
        case gauge
        case histogram
    }

    public let name: String
    public let help: String
    public let kind: Kind
    /// The stored value times this is the exported one (milliseconds to seconds).
    public let factor: Double

    /// nil for the metrics exported otherwise: the sessions' ends as `pop3d_sessions_ended_total{reason}`, the
    /// logins as `pop3d_logins_total{mechanism,result}`, the uptime as `process_start_time_seconds`.
    public init?(_ metric: MetricID) {
        let counter = metric.isCounter
        var factor = 1.0
        let name: String
        switch metric {
        case .sessionsQuit, .sessionsTimeout, .sessionsDropped, .sessionsShutdown, .loginsOK, .loginsFailed,
            .uptimeSeconds:
            return nil
        case .connectionsCurrent: name = "pop3d_connections_current"
        case .connectionsTotal: name = "pop3d_connections_total"
        case .bytesOut: name = "pop3d_sent_bytes_total"
        case .bytesIn: name = "pop3d_received_bytes_total"
        case .messagesRetrieved: name = "pop3d_messages_retrieved_total"
        case .messagesDeleted: name = "pop3d_messages_deleted_total"
        case .monitorRequests: name = "pop3d_monitor_requests_total"
        case .connectionsRejected: name = "pop3d_connections_refused_total"
        case .eventLoopStalls: name = "pop3d_event_loop_stalls_total"
        case .eventLoopLagMaxMilliseconds:
            name = "pop3d_event_loop_lag_max_seconds"
            factor = 0.001
        case .databaseBytes: name = "pop3d_database_size_bytes"
        }
        self.name = name
        self.kind = counter ? .counter : .gauge
        self.factor = factor
        self.help = Self.help(metric)
    }

    /// The session-end reason label of a `sessions_*` metric.
    static func sessionEndReason(_ metric: MetricID) -> String? {
        switch metric {
        case .sessionsQuit: "quit"
        case .sessionsTimeout: "timeout"
        case .sessionsDropped: "dropped"
        case .sessionsShutdown: "shutdown"
        default: nil
        }
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
        case .eventLoopLagMaxMilliseconds: "Largest lateness of an event loop's timer in the last 10 to 20 s."
        case .databaseBytes: "Bytes the database occupies: its pages, used or free, and its write-ahead log."
        }
    }
}
