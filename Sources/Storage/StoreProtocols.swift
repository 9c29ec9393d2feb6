// The store protocols are the only way the server reaches persistent state. SQLite implements them in
// `SQLiteStorage`; a second backend implements the same protocols without touching the server.
// Every method is `async` and does its own hop: the SQLite stores run on the database's writer and reader threads
// (and hash passwords on the executor they were given), so no caller ever blocks or picks a thread pool.

public import Foundation

/// Users who may log in over POP3.
public protocol UserStore: Sendable {
    /// Creates a user; throws `StorageError.alreadyExists` when the name is taken.
    func createUser(name: String, password: String) async throws
    /// Creates a user from an existing hash (an import from Dovecot): an scrypt PHC string or a `CryptHash`'s
    /// stored form. Throws `StorageError.invalidValue` for a hash `PasswordHasher` cannot verify and
    /// `StorageError.alreadyExists` when the name is taken.
    func importUser(name: String, passwordHash: String) async throws
    /// Deletes a user; returns false when there was none.
    @discardableResult func deleteUser(name: String) async throws -> Bool
    /// All users, ordered by name.
    func listUsers() async throws -> [UserRecord]
    /// Replaces the password; returns false when the user does not exist.
    @discardableResult func changePassword(name: String, newPassword: String) async throws -> Bool
    /// Checks a password, octet for octet as the client sent it (never decoded). Unknown users cost the same hashing
    /// time as known ones.
    /// A valid password whose hash is below the configured cost is re-hashed here.
    func verify(name: String, password: [UInt8]) async throws -> PasswordCheck
    /// An opaque value that changes whenever the user's password or existence changes (in any process sharing the
    /// database); nil for an unknown user. The auth cache checks it so another server's change takes effect. It is
    /// the stored hash, followed after a space by the ids of the user's app passwords when there are any.
    func passwordStamp(name: String) async throws -> String?
}

/// Monitor tokens: an admin name and a secret token, stored hashed.
public protocol TokenStore: Sendable {
    /// Adds an admin; throws `StorageError.alreadyExists` when the name is taken.
    func addToken(admin: String, token: String) async throws
    /// Gives `admin` a new token, adding the admin when missing; the old token stops working.
    func replaceToken(admin: String, token: String) async throws
    /// Removes an admin; returns false when there was none. Refuses (`StorageError.invalidValue`) to remove the
    /// last admin, which would leave the monitor usable by nobody.
    @discardableResult func deleteToken(admin: String) async throws -> Bool
    /// All admins (never their tokens), ordered by name.
    func listTokens() async throws -> [TokenRecord]
    /// The admin a token belongs to, or nil. Constant-time over the stored hashes.
    func admin(forToken token: String) async throws -> String?
}

extension UserStore {
    /// `verify` for a password given as text (its UTF-8 octets).
    public func verify(name: String, password: String) async throws -> PasswordCheck {
        try await verify(name: name, password: Array(password.utf8))
    }
}

/// Key/value settings the monitor may change while the server runs.
public protocol SettingsStore: Sendable {
    func value(for key: SettingKey) async throws -> String?
    func setValue(_ value: String, for key: SettingKey) async throws
    func allSettings() async throws -> [SettingKey: String]
}

/// The deletion journal: pending (DELE) → committing (QUIT) → done (file removed).
public protocol DeletionJournal: Sendable {
    /// Records a DELE. `fileName` is the message's file name in `cur/` at the time.
    func addPending(session: String, user: MailboxName, baseName: String, fileName: String) async throws
    /// RSET: drops the session's pending rows.
    func clearPending(session: String) async throws
    /// QUIT in TRANSACTION: marks every pending row of the session committing, in one transaction.
    func markCommitting(session: String) async throws -> [JournalEntry]
    /// Marks entries whose files are gone as done.
    func markDone(ids: [Int64]) async throws
    /// Drops committing entries whose files could not be removed, so their messages really stay.
    func discard(ids: [Int64]) async throws
    /// Start-up recovery: discards pending rows (their sessions are dead) and returns committing rows,
    /// which the caller must finish (remove the files) and then mark done.
    func recover() async throws -> (discardedPending: Int, committing: [JournalEntry])
    /// Recovery of one maildrop, by whoever just took its lock: discards the user's pending rows and returns the
    /// user's committing rows, whatever session or node wrote them.
    func recover(user: MailboxName) async throws -> (discardedPending: Int, committing: [JournalEntry])
    /// Rows in each state, for tests and operators.
    func countsByState() async throws -> [JournalState: Int]
}

/// One row per login attempt.
public protocol AuthEventLog: Sendable {
    func record(_ events: [AuthEvent]) async throws
    func recentFailures(peer: String, since: Date) async throws -> Int
}

/// One row per finished POP3 session.
public protocol SessionLog: Sendable {
    func record(_ sessions: [SessionRecord]) async throws
    func recentSessions(limit: Int) async throws -> [SessionRecord]
}

/// Keeps the login and session history bounded: rows older than a cutoff are folded into daily totals (which the
/// views read together with the rows kept) and deleted, a bounded batch per call.
public protocol HistoryRetention: Sendable {
    /// Folds at most `limit` of the oldest login attempts made before `cutoff` into their days' totals and deletes
    /// them, all in one transaction. Returns how many it folded: fewer than `limit` means none older are left.
    func foldAuthEvents(before cutoff: Date, limit: Int) async throws -> Int
    /// The same for finished sessions that ended before `cutoff`.
    func foldSessions(endedBefore cutoff: Date, limit: Int) async throws -> Int
}

/// Metric samples, their roll-up, and history queries.
public protocol MetricsStore: Sendable {
    /// Appends one sample per metric, all at the same time.
    func appendSamples(_ samples: [MetricSample]) async throws
    /// The newest stored value of each metric (totals resume from these after a restart).
    func latestValues() async throws -> [MetricKey: Double]
    /// Replaces raw samples older than `rawRetention` by one row per metric and hour,
    /// and removes hourly rows older than `hourlyRetention`. Returns rows removed.
    @discardableResult
    func rollUp(now: Date, rawRetention: TimeInterval, hourlyRetention: TimeInterval) async throws -> Int
    /// Points of `metric` in [from, to) in buckets of `step` seconds.
    func history(metric: MetricKey, kind: MetricKind, from: Date, to: Date, step: TimeInterval) async throws
        -> [MetricPoint]
    /// The node name this store's samples are written under (SQLite, whose one server is its only node, stores no
    /// name and answers with this one).
    var node: String { get }
    /// Each node's newest stored value of each of `metrics`, for every node that has samples in the database (this
    /// one included), in no particular order.
    func latestValuesByNode(metrics: [MetricKey]) async throws -> [NodeMetricValues]
    /// `history` of each node that has samples of `metric` in [from, to), each from its own rows, in ascending order
    /// of node name.
    func historyByNode(metric: MetricKey, kind: MetricKind, from: Date, to: Date, step: TimeInterval) async throws
        -> [NodeMetricHistory]
}

/// Cached wire sizes of maildir messages, keyed by base name, file size and modification time,
/// so a second login does not re-read message bodies.
public protocol MessageIndexStore: Sendable {
    /// Every row of the user's maildrop, one per base name, in no particular order.
    func indexedMessages(user: MailboxName) async throws -> [IndexedMessage]
    func updateIndex(user: MailboxName, upsert: [IndexedMessage], remove: [String]) async throws
}

/// Whole-database jobs an operator asks for while the server runs.
public protocol DatabaseMaintenance: Sendable {
    /// Writes a consistent copy of the live database to `path`, a new file (mode 0600);
    /// throws `StorageError.alreadyExists` when the file exists.
    func backup(to path: String) async throws
    /// Bytes the database occupies on disk: every page of its file (in use or free) and its write-ahead log.
    func sizeInBytes() async throws -> UInt64
}

/// What start-up recovery of the deletion journal did.
public struct JournalRecoveryReport: Sendable, Equatable {
    /// Pending rows of dead sessions, discarded: their messages stay.
    public var discardedPending: Int
    /// Committing rows finished: their files are removed now.
    public var finished: Int
    /// Committing rows whose removal failed; they stay committing and are retried at the next start.
    public var failed: Int

    public init(discardedPending: Int, finished: Int, failed: Int) {
        self.discardedPending = discardedPending
        self.finished = finished
        self.failed = failed
    }
}

extension DeletionJournal {
    /// Start-up recovery: discards pending rows, removes the files of committing rows with `remove`
    /// (which must treat an already missing file as success) and marks them done.
    public func recover(removingWith remove: (JournalEntry) throws -> Void) async throws -> JournalRecoveryReport {
        let (discarded, committing) = try await recover()
        var done: [Int64] = []
        for entry in committing {
            if (try? remove(entry)) != nil { done.append(entry.id) }
        }
        try await markDone(ids: done)
        return JournalRecoveryReport(
            discardedPending: discarded, finished: done.count, failed: committing.count - done.count)
    }
}
