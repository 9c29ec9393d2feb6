import Foundation
import NIOPosix

/// Reads a pop3d SQLite database's state as plain rows, for copying it to another backend. The file is opened
/// read-only (a missing file is an error, never a new database), its schema must be this pop3d's current one, and
/// every read happens in one read transaction: counts and rows come from one snapshot, whatever else writes.
// @unchecked Sendable: the connection and cursors are used only on `thread`, one job at a time.
public final class SQLiteStateReader: @unchecked Sendable {
    public let path: String
    private let connection: Connection
    private let thread: NIOThreadPool

    private init(path: String, connection: Connection, thread: NIOThreadPool) {
        self.path = path
        self.connection = connection
        self.thread = thread
    }

    /// Opens `path` read-only and starts the snapshot. Refuses a file that is not a pop3d database, or whose schema
    /// is older (pop3d upgrades it when it starts) or newer than this pop3d's.
    public static func open(path: String) async throws -> SQLiteStateReader {
        let thread = NIOThreadPool(numberOfThreads: 1)
        thread.start()
        do {
            let connection = try await thread.run { try Self.openSnapshot(path) }
            return SQLiteStateReader(path: path, connection: connection.value, thread: thread)
        } catch {
            try? await thread.shutdownGracefully()
            throw error
        }
    }

    private static func openSnapshot(_ path: String) throws -> UnsafeTransfer<Connection> {
        let connection = try Connection(path: path, busyTimeoutMilliseconds: 5_000, readOnly: true)
        do {
            try connection.execute("BEGIN")
            let known = try connection.query(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'")[0].int(0)
            guard known == 1 else {
                throw StorageError.invalidValue("\(path) is not a pop3d database (it has no schema_migrations table)")
            }
            let version = try connection.query("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].int(0)
            let latest = Migrator.embedded.latestVersion
            guard version <= latest else { throw StorageError.databaseTooNew(found: version, known: latest) }
            guard version == latest else {
                throw StorageError.invalidValue(
                    "\(path) has schema version \(version), this pop3d's is \(latest): start this pop3d on it once "
                        + "(it upgrades the schema), stop it, then migrate")
            }
        } catch let error as SQLiteError {
            connection.close()
            throw StorageError.sqlite(error)
        } catch {
            connection.close()
            throw error
        }
        return UnsafeTransfer(connection)
    }

    /// Deletion journal rows by state.
    public func journalStates() async throws -> [JournalState: Int] {
        try await onThread { connection in
            var counts = Dictionary(uniqueKeysWithValues: JournalState.allCases.map { ($0, 0) })
            for row in try connection.query("SELECT state, count(*) FROM deletion_journal GROUP BY state") {
                if let state = JournalState(rawValue: row.string(0)) { counts[state] = row.int(1) }
            }
            return counts
        }
    }

    /// The rows of `table` a copy takes (of the deletion journal, the `done` ones).
    public func count(_ table: StateTable) async throws -> Int {
        try await onThread { connection in
            try connection.query("SELECT count(*) FROM \(table.name)\(Self.filter(table))")[0].int(0)
        }
    }

    /// Hands every row `count` counts to `body`, in batches of at most `size` rows, in the table's key order.
    public func forEachBatch(
        of table: StateTable, size: Int = 10_000, _ body: (StateBatch) async throws -> Void
    ) async throws {
        let cursor = try await onThread { connection in
            try Cursor(Statement(connection: connection, sql: Self.selection(table)))
        }
        do {
            var exhausted = false
            while !exhausted {
                let rows = try await onThread { _ in try cursor.next(size) }
                exhausted = rows.count < size
                if !rows.isEmpty { try await body(Self.batch(table, rows)) }
            }
        } catch {
            try? await onThread { _ in cursor.finish() }
            throw error
        }
        try await onThread { _ in cursor.finish() }
    }

    /// Ends the snapshot and closes the file.
    public func close() async {
        try? await onThread { connection in
            try? connection.execute("COMMIT")
            connection.close()
        }
        try? await thread.shutdownGracefully()
    }

    private func onThread<T>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let connection = UnsafeTransfer(self.connection)
        return try await thread.run {
            do {
                return UnsafeTransfer(try body(connection.value))
            } catch let error as SQLiteError {
                throw StorageError.sqlite(error)
            }
        }.value
    }

    private static func filter(_ table: StateTable) -> String {
        table == .deletionJournal ? " WHERE state = 'done'" : ""
    }

    /// The columns `batch` reads, in the order of the table's key.
    private static func selection(_ table: StateTable) -> String {
        let query: (columns: String, order: String)
        switch table {
        case .users: query = ("name, password_hash, created_at, updated_at", "id")
        case .appPasswords:
            query = (
                "(SELECT name FROM users WHERE users.id = user_id), label, lookup, password_hash, created_at, "
                    + "last_used_at", "id"
            )
        case .scramSalts: query = ("(SELECT name FROM users WHERE users.id = user_id), salt, iterations", "user_id")
        case .scramVerifiers:
            query = (
                "(SELECT name FROM users WHERE users.id = user_id), "
                    + "(SELECT label FROM app_passwords WHERE app_passwords.id = app_password_id), stored_key, server_key",
                "id"
            )
        case .scramSecret: query = ("secret", "id")
        case .monitorTokens: query = ("admin, token_salt, token_hash, created_at", "id")
        case .settings: query = ("key, value, updated_at", "key")
        case .deletionJournal: query = ("session, user, base_name, file_name, created_at, updated_at", "id")
        case .authEvents: query = ("time, user_name, peer, result", "id")
        case .sessions:
            query = (
                "session_id, user, peer, started_at, ended_at, bytes_in, bytes_out, retr_count, top_count, dele_count, "
                    + "end_reason", "id"
            )
        case .authEventsDailyByUser:
            query = ("day, user_name, result, attempts, last_time", "day, user_name, result")
        case .authEventsDailyByPeer: query = ("day, peer, result, attempts, last_time", "day, peer, result")
        case .sessionsDaily:
            query = (
                "day, user, end_reason, sessions, bytes_in, bytes_out, retr_count, top_count, dele_count",
                "day, user, end_reason"
            )
        case .metricSamples: query = ("metric, resolution, time, value, maximum, last", "metric, resolution, time")
        case .userPolicies:
            // By user name: ids are the backend's own.
            return """
                SELECT u.name, p.login_delay_seconds, p.expire_days, p.last_login
                FROM user_policies p JOIN users u ON u.id = p.user_id ORDER BY u.name
                """
        case .messageRetrievals: query = ("user_name, uidl, first_retrieved", "user_name, uidl")
        }
        return "SELECT \(query.columns) FROM \(table.name)\(filter(table)) ORDER BY \(query.order)"
    }

    private static func batch(_ table: StateTable, _ rows: [Row]) -> StateBatch {
        switch table {
        case .users:
            return .users(
                rows.map {
                    StateRows.User(
                        name: $0.string(0), passwordHash: $0.string(1), createdAt: $0.double(2),
                        updatedAt: $0.double(3))
                })
        case .appPasswords:
            return .appPasswords(
                rows.map {
                    StateRows.AppPassword(
                        user: $0.string(0), label: $0.string(1), lookup: $0.string(2), passwordHash: $0.string(3),
                        createdAt: $0.double(4), lastUsedAt: $0.isNull(5) ? nil : $0.double(5))
                })
        case .scramSalts:
            return .scramSalts(
                rows.map { StateRows.SCRAMSalt(user: $0.string(0), salt: $0.string(1), iterations: $0.int(2)) })
        case .scramVerifiers:
            return .scramVerifiers(
                rows.map {
                    StateRows.SCRAMVerifierRow(
                        user: $0.string(0), appPassword: $0.optionalString(1), storedKey: $0.string(2),
                        serverKey: $0.string(3))
                })
        case .scramSecret:
            return .scramSecret(rows.map { $0.string(0) })
        case .monitorTokens:
            return .monitorTokens(
                rows.map {
                    StateRows.MonitorToken(
                        admin: $0.string(0), salt: $0.blob(1), hash: $0.blob(2), createdAt: $0.double(3))
                })
        case .settings:
            return .settings(
                rows.map { StateRows.Setting(key: $0.string(0), value: $0.string(1), updatedAt: $0.double(2)) })
        case .deletionJournal:
            return .deletionJournal(
                rows.map {
                    StateRows.Deletion(
                        session: $0.string(0), user: $0.string(1), baseName: $0.string(2), fileName: $0.string(3),
                        createdAt: $0.double(4), updatedAt: $0.double(5))
                })
        case .authEvents:
            return .authEvents(
                rows.map {
                    StateRows.AuthEvent(
                        time: $0.double(0), userName: $0.string(1), peer: $0.string(2), result: $0.string(3))
                })
        case .sessions:
            return .sessions(
                rows.map {
                    StateRows.Session(
                        sessionID: $0.string(0), user: $0.optionalString(1), peer: $0.string(2),
                        startedAt: $0.double(3), endedAt: $0.double(4), bytesIn: $0.int64(5), bytesOut: $0.int64(6),
                        retrCount: $0.int64(7), topCount: $0.int64(8), deleCount: $0.int64(9),
                        endReason: $0.string(10))
                })
        case .authEventsDailyByUser:
            return .authEventsDailyByUser(rows.map(dailyAttempts))
        case .authEventsDailyByPeer:
            return .authEventsDailyByPeer(rows.map(dailyAttempts))
        case .sessionsDaily:
            return .sessionsDaily(
                rows.map {
                    StateRows.DailySessions(
                        day: $0.string(0), user: $0.string(1), endReason: $0.string(2), sessions: $0.int64(3),
                        bytesIn: $0.int64(4), bytesOut: $0.int64(5), retrCount: $0.int64(6), topCount: $0.int64(7),
                        deleCount: $0.int64(8))
                })
        case .metricSamples:
            return .metricSamples(
                rows.map {
                    StateRows.MetricSample(
                        metric: $0.string(0), resolution: $0.string(1), time: $0.double(2), value: $0.double(3),
                        maximum: $0.double(4), last: $0.double(5))
                })
        case .userPolicies:
            return .userPolicies(
                rows.map {
                    StateRows.UserPolicy(
                        userName: $0.string(0), loginDelaySeconds: $0.isNull(1) ? nil : $0.int64(1),
                        expireDays: $0.isNull(2) ? nil : $0.int64(2), lastLogin: $0.isNull(3) ? nil : $0.double(3))
                })
        case .messageRetrievals:
            return .messageRetrievals(
                rows.map {
                    StateRows.MessageRetrieval(user: $0.string(0), uidl: $0.string(1), firstRetrieved: $0.double(2))
                })
        }
    }

    private static func dailyAttempts(_ row: Row) -> StateRows.DailyAttempts {
        StateRows.DailyAttempts(
            day: row.string(0), key: row.string(1), result: row.string(2), attempts: row.int64(3),
            lastTime: row.double(4))
    }
}

/// A statement stepped a batch at a time; finished (finalized) on the reader's thread, like every use of it.
// @unchecked Sendable: used only on the reader's thread.
private final class Cursor: @unchecked Sendable {
    private var statement: Statement?

    init(_ statement: Statement) {
        self.statement = statement
    }

    func next(_ limit: Int) throws -> [Row] {
        try statement?.nextRows(limit: limit) ?? []
    }

    func finish() {
        statement = nil
    }
}

/// Carries a value that is not Sendable to and from the reader's one thread, which alone uses it.
private struct UnsafeTransfer<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
