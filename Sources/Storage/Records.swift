public import Foundation

/// A POP3 user as listed (never with a password).
public struct UserRecord: Sendable, Equatable {
    public var name: String
    public var createdAt: Date
    public init(name: String, createdAt: Date) {
        self.name = name
        self.createdAt = createdAt
    }
}

/// The outcome of a password check.
public enum PasswordCheck: Sendable, Equatable {
    case valid
    case invalid
}

/// A monitor admin as listed (never with the token).
public struct TokenRecord: Sendable, Equatable {
    public var admin: String
    public var createdAt: Date
    public init(admin: String, createdAt: Date) {
        self.admin = admin
        self.createdAt = createdAt
    }
}

/// The states of a deletion journal row.
public enum JournalState: String, Sendable, CaseIterable {
    case pending, committing, done
}

/// One deletion journal row.
public struct JournalEntry: Sendable, Equatable {
    public var id: Int64
    public var session: String
    public var user: String
    public var baseName: String
    public var fileName: String
    public var state: JournalState
    public init(id: Int64, session: String, user: String, baseName: String, fileName: String, state: JournalState) {
        self.id = id
        self.session = session
        self.user = user
        self.baseName = baseName
        self.fileName = fileName
        self.state = state
    }
}

/// The result of one login attempt.
public enum AuthResult: String, Sendable {
    case ok, failed
    case inUse = "in_use"
    case error
}

/// One login attempt.
public struct AuthEvent: Sendable, Equatable {
    public var time: Date
    public var userName: String
    public var peer: String
    public var result: AuthResult
    public init(time: Date, userName: String, peer: String, result: AuthResult) {
        self.time = time
        self.userName = userName
        self.peer = peer
        self.result = result
    }
}

/// How a POP3 session ended.
public enum SessionEndReason: String, Sendable, CaseIterable {
    case quit, timeout, dropped, shutdown, error
}

/// One finished POP3 session.
public struct SessionRecord: Sendable, Equatable {
    public var sessionID: String
    public var user: String?
    public var peer: String
    public var startedAt: Date
    public var endedAt: Date
    public var bytesIn: Int64
    public var bytesOut: Int64
    public var retrCount: Int
    public var topCount: Int
    public var deleCount: Int
    public var endReason: SessionEndReason
    public init(
        sessionID: String, user: String?, peer: String, startedAt: Date, endedAt: Date,
        bytesIn: Int64, bytesOut: Int64, retrCount: Int, topCount: Int, deleCount: Int, endReason: SessionEndReason
    ) {
        self.sessionID = sessionID
        self.user = user
        self.peer = peer
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.bytesIn = bytesIn
        self.bytesOut = bytesOut
        self.retrCount = retrCount
        self.topCount = topCount
        self.deleCount = deleCount
        self.endReason = endReason
    }
}

/// Whether a metric only grows (a counter) or goes up and down (a gauge).
public enum MetricKind: String, Sendable {
    case counter, gauge
}

/// One stored value of one metric.
public struct MetricSample: Sendable, Equatable {
    public var metric: MetricKey
    public var time: Date
    public var value: Double
    public init(metric: MetricKey, time: Date, value: Double) {
        self.metric = metric
        self.time = time
        self.value = value
    }
}

/// One bucket of a history query. For a counter `value` is the increase within the bucket
/// and `maximum` equals it; for a gauge `value` is the average and `maximum` the maximum.
public struct MetricPoint: Sendable, Equatable {
    public var start: Date
    public var value: Double
    public var maximum: Double
    public init(start: Date, value: Double, maximum: Double) {
        self.start = start
        self.value = value
        self.maximum = maximum
    }
}

/// One node's newest stored values: what the cluster's totals add up.
public struct NodeMetricValues: Sendable, Equatable {
    public var node: String
    /// The time of the node's newest sample of the metrics asked for: when it last wrote.
    public var newestSample: Date
    /// Each metric's newest stored value.
    public var values: [MetricKey: Double]
    public init(node: String, newestSample: Date, values: [MetricKey: Double]) {
        self.node = node
        self.newestSample = newestSample
        self.values = values
    }
}

/// One node's points of a history query.
public struct NodeMetricHistory: Sendable, Equatable {
    public var node: String
    public var points: [MetricPoint]
    public init(node: String, points: [MetricPoint]) {
        self.node = node
        self.points = points
    }
}

/// The cached size of one maildir message.
public struct IndexedMessage: Sendable, Equatable {
    public var baseName: String
    public var fileSize: Int64
    /// Modification time in nanoseconds since 1970.
    public var modificationTime: Int64
    /// Octets RETR sends: CRLF line ends, a final line end added if missing, before byte-stuffing.
    public var wireSize: Int64
    public init(baseName: String, fileSize: Int64, modificationTime: Int64, wireSize: Int64) {
        self.baseName = baseName
        self.fileSize = fileSize
        self.modificationTime = modificationTime
        self.wireSize = wireSize
    }
}
