/// The server's metrics, with the ids v2 uses on the wire. Shared by server and client.
public enum MetricID: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case connectionsCurrent = 0
    case connectionsTotal = 1
    case bytesOut = 2
    case bytesIn = 3
    case loginsOK = 4
    case loginsFailed = 5
    case messagesRetrieved = 6
    case messagesDeleted = 7
    case sessionsQuit = 8
    case sessionsTimeout = 9
    case sessionsDropped = 10
    case sessionsShutdown = 11
    case monitorRequests = 12
    case uptimeSeconds = 13
    case connectionsRejected = 14
    case eventLoopStalls = 15
    case eventLoopLagMaxMilliseconds = 16
    case databaseBytes = 17

    /// The metric's name, as stored and as typed on pop3ctl's command line.
    public var name: String {
        switch self {
        case .connectionsCurrent: "connections_current"
        case .connectionsTotal: "connections_total"
        case .bytesOut: "bytes_out"
        case .bytesIn: "bytes_in"
        case .loginsOK: "logins_ok"
        case .loginsFailed: "logins_failed"
        case .messagesRetrieved: "messages_retrieved"
        case .messagesDeleted: "messages_deleted"
        case .sessionsQuit: "sessions_quit"
        case .sessionsTimeout: "sessions_timeout"
        case .sessionsDropped: "sessions_dropped"
        case .sessionsShutdown: "sessions_shutdown"
        case .monitorRequests: "monitor_requests"
        case .uptimeSeconds: "uptime_seconds"
        case .connectionsRejected: "connections_rejected"
        case .eventLoopStalls: "event_loop_stalls"
        case .eventLoopLagMaxMilliseconds: "event_loop_lag_max_ms"
        case .databaseBytes: "database_bytes"
        }
    }

    /// True for values that only grow; false for gauges (which go up and down).
    public var isCounter: Bool {
        switch self {
        case .connectionsCurrent, .uptimeSeconds, .eventLoopLagMaxMilliseconds, .databaseBytes: false
        default: true
        }
    }

    /// How a cluster answer combines the nodes' values: true, their sum (every counter, and the sessions open now);
    /// false, the largest. Every node measures the one shared database, and a sum of uptimes or of worst lags means
    /// nothing.
    public var isSummedAcrossNodes: Bool {
        switch self {
        case .uptimeSeconds, .eventLoopLagMaxMilliseconds, .databaseBytes: false
        default: true
        }
    }

    /// The metric with this name, or nil.
    public init?(name: String) {
        guard let found = MetricID.allCases.first(where: { $0.name == name }) else { return nil }
        self = found
    }

    public var description: String { name }
}
