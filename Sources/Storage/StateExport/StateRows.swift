/// pop3d's persistent state as plain values, one type per table, as one backend reads it and another writes it:
/// times are Unix seconds and days `YYYY-MM-DD` (UTC), as both schemas keep them; hashes, salts and names exactly
/// as stored. Rows carry no node: the importing side gives them the one it writes for.
public enum StateRows {
    public struct User: Sendable, Equatable {
        public var name: String
        /// A PHC scrypt string or an imported crypt hash.
        public var passwordHash: String
        public var createdAt: Double
        public var updatedAt: Double

        public init(name: String, passwordHash: String, createdAt: Double, updatedAt: Double) {
            self.name = name
            self.passwordHash = passwordHash
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }
    }

    public struct AppPassword: Sendable, Equatable {
        public var user: String
        public var label: String
        public var lookup: String
        public var passwordHash: String
        public var createdAt: Double
        public var lastUsedAt: Double?

        public init(
            user: String, label: String, lookup: String, passwordHash: String, createdAt: Double, lastUsedAt: Double?
        ) {
            self.user = user
            self.label = label
            self.lookup = lookup
            self.passwordHash = passwordHash
            self.createdAt = createdAt
            self.lastUsedAt = lastUsedAt
        }
    }

    /// A user's SCRAM salt and iteration count (base64 as stored).
    public struct SCRAMSalt: Sendable, Equatable {
        public var user: String
        public var salt: String
        public var iterations: Int

        public init(user: String, salt: String, iterations: Int) {
            self.user = user
            self.salt = salt
            self.iterations = iterations
        }
    }

    /// A SCRAM verifier: of the user's password (`appPassword` nil) or of the app password with that label.
    public struct SCRAMVerifierRow: Sendable, Equatable {
        public var user: String
        public var appPassword: String?
        public var storedKey: String
        public var serverKey: String

        public init(user: String, appPassword: String?, storedKey: String, serverKey: String) {
            self.user = user
            self.appPassword = appPassword
            self.storedKey = storedKey
            self.serverKey = serverKey
        }
    }

    public struct MonitorToken: Sendable, Equatable {
        public var admin: String
        public var salt: [UInt8]
        /// SHA-256(salt || token).
        public var hash: [UInt8]
        public var createdAt: Double

        public init(admin: String, salt: [UInt8], hash: [UInt8], createdAt: Double) {
            self.admin = admin
            self.salt = salt
            self.hash = hash
            self.createdAt = createdAt
        }
    }

    public struct Setting: Sendable, Equatable {
        /// As stored, also a key this version does not know.
        public var key: String
        public var value: String
        public var updatedAt: Double

        public init(key: String, value: String, updatedAt: Double) {
            self.key = key
            self.value = value
            self.updatedAt = updatedAt
        }
    }

    /// A deletion journal row in state `done`: a message file QUIT removed.
    public struct Deletion: Sendable, Equatable {
        public var session: String
        public var user: String
        public var baseName: String
        public var fileName: String
        public var createdAt: Double
        public var updatedAt: Double

        public init(
            session: String, user: String, baseName: String, fileName: String, createdAt: Double, updatedAt: Double
        ) {
            self.session = session
            self.user = user
            self.baseName = baseName
            self.fileName = fileName
            self.createdAt = createdAt
            self.updatedAt = updatedAt
        }
    }

    public struct AuthEvent: Sendable, Equatable {
        public var time: Double
        public var userName: String
        public var peer: String
        /// ok, failed, in_use or error.
        public var result: String

        public init(time: Double, userName: String, peer: String, result: String) {
            self.time = time
            self.userName = userName
            self.peer = peer
            self.result = result
        }
    }

    public struct Session: Sendable, Equatable {
        public var sessionID: String
        /// nil for a session that never logged in.
        public var user: String?
        public var peer: String
        public var startedAt: Double
        public var endedAt: Double
        public var bytesIn: Int64
        public var bytesOut: Int64
        public var retrCount: Int64
        public var topCount: Int64
        public var deleCount: Int64
        public var endReason: String

        public init(
            sessionID: String, user: String?, peer: String, startedAt: Double, endedAt: Double, bytesIn: Int64,
            bytesOut: Int64, retrCount: Int64, topCount: Int64, deleCount: Int64, endReason: String
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

    /// A row of `auth_events_daily_by_user` (`key` is the user name) or `auth_events_daily_by_peer` (the peer).
    public struct DailyAttempts: Sendable, Equatable {
        public var day: String
        public var key: String
        public var result: String
        public var attempts: Int64
        public var lastTime: Double

        public init(day: String, key: String, result: String, attempts: Int64, lastTime: Double) {
            self.day = day
            self.key = key
            self.result = result
            self.attempts = attempts
            self.lastTime = lastTime
        }
    }

    public struct DailySessions: Sendable, Equatable {
        public var day: String
        /// '' for sessions that never logged in.
        public var user: String
        public var endReason: String
        public var sessions: Int64
        public var bytesIn: Int64
        public var bytesOut: Int64
        public var retrCount: Int64
        public var topCount: Int64
        public var deleCount: Int64

        public init(
            day: String, user: String, endReason: String, sessions: Int64, bytesIn: Int64, bytesOut: Int64,
            retrCount: Int64, topCount: Int64, deleCount: Int64
        ) {
            self.day = day
            self.user = user
            self.endReason = endReason
            self.sessions = sessions
            self.bytesIn = bytesIn
            self.bytesOut = bytesOut
            self.retrCount = retrCount
            self.topCount = topCount
            self.deleCount = deleCount
        }
    }

    public struct MetricSample: Sendable, Equatable {
        public var metric: String
        /// raw or hourly.
        public var resolution: String
        public var time: Double
        public var value: Double
        public var maximum: Double
        public var last: Double

        public init(metric: String, resolution: String, time: Double, value: Double, maximum: Double, last: Double) {
            self.metric = metric
            self.resolution = resolution
            self.time = time
            self.value = value
            self.maximum = maximum
            self.last = last
        }
    }
}

/// Consecutive rows of one table.
extension StateRows {
    /// A user's own policy values (nil: the server's) and last login, keyed by the user's name.
    public struct UserPolicy: Sendable, Equatable {
        public var userName: String
        public var loginDelaySeconds: Int64?
        /// -1 is NEVER, as stored.
        public var expireDays: Int64?
        public var lastLogin: Double?

        public init(userName: String, loginDelaySeconds: Int64?, expireDays: Int64?, lastLogin: Double?) {
            self.userName = userName
            self.loginDelaySeconds = loginDelaySeconds
            self.expireDays = expireDays
            self.lastLogin = lastLogin
        }
    }

    public struct MessageRetrieval: Sendable, Equatable {
        public var user: String
        public var uidl: String
        public var firstRetrieved: Double

        public init(user: String, uidl: String, firstRetrieved: Double) {
            self.user = user
            self.uidl = uidl
            self.firstRetrieved = firstRetrieved
        }
    }
}

public enum StateBatch: Sendable, Equatable {
    case users([StateRows.User])
    case appPasswords([StateRows.AppPassword])
    case scramSalts([StateRows.SCRAMSalt])
    case scramVerifiers([StateRows.SCRAMVerifierRow])
    /// The secret behind unknown users' fake salts (base64; at most one).
    case scramSecret([String])
    case monitorTokens([StateRows.MonitorToken])
    case settings([StateRows.Setting])
    case deletionJournal([StateRows.Deletion])
    case authEvents([StateRows.AuthEvent])
    case sessions([StateRows.Session])
    case authEventsDailyByUser([StateRows.DailyAttempts])
    case authEventsDailyByPeer([StateRows.DailyAttempts])
    case sessionsDaily([StateRows.DailySessions])
    case metricSamples([StateRows.MetricSample])
    case userPolicies([StateRows.UserPolicy])
    case messageRetrievals([StateRows.MessageRetrieval])

    public var table: StateTable {
        switch self {
        case .users: .users
        case .appPasswords: .appPasswords
        case .scramSalts: .scramSalts
        case .scramVerifiers: .scramVerifiers
        case .scramSecret: .scramSecret
        case .monitorTokens: .monitorTokens
        case .settings: .settings
        case .deletionJournal: .deletionJournal
        case .authEvents: .authEvents
        case .sessions: .sessions
        case .authEventsDailyByUser: .authEventsDailyByUser
        case .authEventsDailyByPeer: .authEventsDailyByPeer
        case .sessionsDaily: .sessionsDaily
        case .metricSamples: .metricSamples
        case .userPolicies: .userPolicies
        case .messageRetrievals: .messageRetrievals
        }
    }

    public var count: Int {
        switch self {
        case .users(let rows): rows.count
        case .appPasswords(let rows): rows.count
        case .scramSalts(let rows): rows.count
        case .scramVerifiers(let rows): rows.count
        case .scramSecret(let rows): rows.count
        case .monitorTokens(let rows): rows.count
        case .settings(let rows): rows.count
        case .deletionJournal(let rows): rows.count
        case .authEvents(let rows): rows.count
        case .sessions(let rows): rows.count
        case .authEventsDailyByUser(let rows), .authEventsDailyByPeer(let rows): rows.count
        case .sessionsDaily(let rows): rows.count
        case .metricSamples(let rows): rows.count
        case .userPolicies(let rows): rows.count
        case .messageRetrievals(let rows): rows.count
        }
    }
}
