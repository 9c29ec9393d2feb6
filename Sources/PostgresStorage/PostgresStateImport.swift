public import Logging
import NIOCore
import PostgresNIO
public import Storage

/// Writes another backend's state (`StateBatch`es) into pop3d's tables, inside one transaction that
/// `PostgresStorage.importState` opens: each batch is one statement over arrays, and rows that carry a node get
/// `node`. The tables are locked against other writers for the whole transaction.
public struct PostgresStateImport: Sendable {
    /// Every pop3d table, the cache included: what `emptyTables` empties and the transaction locks.
    /// The tables a copy empties and locks: those it copies, and the message index, which logins fill again.
    static let tables = StateTable.allCases.map(\.name) + ["message_index"]

    let connection: PostgresConnection
    let node: String
    let location: PostgresLocation
    let logger: Logger

    /// Takes the tables' locks: other nodes may read but not write until the transaction ends. Waits at most
    /// `lockTimeout` seconds for a writer to finish.
    func lockTables(lockTimeout: Int) async throws {
        try await run(PostgresQuery(unsafeSQL: "SET LOCAL lock_timeout = '\(lockTimeout)s'"))
        try await run(
            PostgresQuery(unsafeSQL: "LOCK TABLE \(Self.tables.joined(separator: ", ")) IN EXCLUSIVE MODE"))
    }

    /// Rows in each table a copy writes.
    public func counts() async throws -> [StateTable: Int] {
        var counts: [StateTable: Int] = [:]
        for table in StateTable.allCases {
            counts[table] = try await rows("SELECT count(*) FROM \(unescaped: table.name)").first?.decode(Int.self) ?? 0
        }
        return counts
    }

    /// Empties every pop3d table, the message index included (identities start again at 1).
    public func emptyTables() async throws {
        try await run(PostgresQuery(unsafeSQL: "TRUNCATE \(Self.tables.joined(separator: ", ")) RESTART IDENTITY"))
    }

    /// Inserts one batch of rows.
    public func insert(_ batch: StateBatch) async throws {
        guard batch.count > 0 else { return }
        try await run(Self.statement(batch, node: node))
    }

    private func run(_ query: PostgresQuery) async throws {
        _ = try await rows(query)
    }

    private func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            return try await connection.query(query, logger: logger).collect()
        } catch {
            throw PostgresFailure.storageError(error, step: .query, location: location)
        }
    }

    private static func statement(_ batch: StateBatch, node: String) -> PostgresQuery {
        switch batch {
        case .users(let rows):
            return """
                INSERT INTO users (name, password_hash, created_at, updated_at)
                SELECT * FROM unnest(\(rows.map(\.name))::text[], \(rows.map(\.passwordHash))::text[],
                                     \(rows.map(\.createdAt))::float8[], \(rows.map(\.updatedAt))::float8[])
                """
        case .appPasswords(let rows):
            // Never used is NULL; -1 stands for it in the array.
            return """
                INSERT INTO app_passwords (user_id, label, lookup, password_hash, created_at, last_used_at)
                SELECT u.id, t.label, t.lookup, t.hash, t.created, nullif(t.used, -1)
                FROM unnest(\(rows.map(\.user))::text[], \(rows.map(\.label))::text[], \(rows.map(\.lookup))::text[],
                            \(rows.map(\.passwordHash))::text[], \(rows.map(\.createdAt))::float8[],
                            \(rows.map { $0.lastUsedAt ?? -1 })::float8[])
                    AS t(user_name, label, lookup, hash, created, used)
                JOIN users u ON u.name = t.user_name
                """
        case .scramSalts(let rows):
            return """
                INSERT INTO scram_salts (user_id, salt, iterations)
                SELECT u.id, t.salt, t.iterations
                FROM unnest(\(rows.map(\.user))::text[], \(rows.map(\.salt))::text[],
                            \(rows.map { Int32(clamping: $0.iterations) })::int4[]) AS t(user_name, salt, iterations)
                JOIN users u ON u.name = t.user_name
                """
        case .scramVerifiers(let rows):
            // The password's verifier has no app password; '' stands for it in the array (labels are never empty).
            return """
                INSERT INTO scram_verifiers (user_id, app_password_id, stored_key, server_key)
                SELECT u.id, a.id, t.stored, t.server
                FROM unnest(\(rows.map(\.user))::text[], \(rows.map { $0.appPassword ?? "" })::text[],
                            \(rows.map(\.storedKey))::text[], \(rows.map(\.serverKey))::text[])
                    AS t(user_name, label, stored, server)
                JOIN users u ON u.name = t.user_name
                LEFT JOIN app_passwords a ON a.user_id = u.id AND a.label = t.label
                WHERE t.label = '' OR a.id IS NOT NULL
                """
        case .scramSecret(let rows):
            return """
                INSERT INTO scram_secret (id, secret) SELECT 1, s FROM unnest(\(rows)::text[]) AS t(s) LIMIT 1
                """
        case .monitorTokens(let rows):
            return """
                INSERT INTO monitor_tokens (admin, token_salt, token_hash, created_at)
                SELECT * FROM unnest(\(rows.map(\.admin))::text[], \(rows.map { ByteBuffer(bytes: $0.salt) })::bytea[],
                                     \(rows.map { ByteBuffer(bytes: $0.hash) })::bytea[],
                                     \(rows.map(\.createdAt))::float8[])
                """
        case .settings(let rows):
            return """
                INSERT INTO settings (key, value, updated_at)
                SELECT * FROM unnest(\(rows.map(\.key))::text[], \(rows.map(\.value))::text[],
                                     \(rows.map(\.updatedAt))::float8[])
                """
        case .deletionJournal(let rows):
            return """
                INSERT INTO deletion_journal (node, session, user_name, base_name, file_name, state, created_at,
                                              updated_at)
                SELECT \(node), session, user_name, base_name, file_name, 'done', created, updated
                FROM unnest(\(rows.map(\.session))::text[], \(rows.map(\.user))::text[],
                            \(rows.map(\.baseName))::text[], \(rows.map(\.fileName))::text[],
                            \(rows.map(\.createdAt))::float8[], \(rows.map(\.updatedAt))::float8[])
                     AS batch (session, user_name, base_name, file_name, created, updated)
                """
        case .authEvents(let rows):
            return """
                INSERT INTO auth_events (node, time, user_name, peer, result)
                SELECT \(node), * FROM unnest(\(rows.map(\.time))::float8[], \(rows.map(\.userName))::text[],
                                              \(rows.map(\.peer))::text[], \(rows.map(\.result))::text[])
                """
        case .sessions(let rows):
            // A session that never logged in has no user: '' in the array (no user is named ''), NULL in the table.
            return """
                INSERT INTO sessions (node, session_id, user_name, peer, started_at, ended_at, bytes_in, bytes_out,
                                      retr_count, top_count, dele_count, end_reason)
                SELECT \(node), id, nullif(name, ''), peer, started, ended, bytes_in, bytes_out, retr, top, dele, reason
                FROM unnest(\(rows.map(\.sessionID))::text[], \(rows.map { $0.user ?? "" })::text[],
                            \(rows.map(\.peer))::text[], \(rows.map(\.startedAt))::float8[],
                            \(rows.map(\.endedAt))::float8[], \(rows.map(\.bytesIn))::int8[],
                            \(rows.map(\.bytesOut))::int8[], \(rows.map(\.retrCount))::int8[],
                            \(rows.map(\.topCount))::int8[], \(rows.map(\.deleCount))::int8[],
                            \(rows.map(\.endReason))::text[])
                     AS batch (id, name, peer, started, ended, bytes_in, bytes_out, retr, top, dele, reason)
                """
        case .authEventsDailyByUser(let rows):
            return dailyAttempts(rows, table: "auth_events_daily_by_user", column: "user_name")
        case .authEventsDailyByPeer(let rows):
            return dailyAttempts(rows, table: "auth_events_daily_by_peer", column: "peer")
        case .sessionsDaily(let rows):
            return """
                INSERT INTO sessions_daily (day, user_name, end_reason, sessions, bytes_in, bytes_out, retr_count,
                                            top_count, dele_count)
                SELECT day::date, user_name, end_reason, sessions, bytes_in, bytes_out, retr, top, dele
                FROM unnest(\(rows.map(\.day))::text[], \(rows.map(\.user))::text[], \(rows.map(\.endReason))::text[],
                            \(rows.map(\.sessions))::int8[], \(rows.map(\.bytesIn))::int8[],
                            \(rows.map(\.bytesOut))::int8[], \(rows.map(\.retrCount))::int8[],
                            \(rows.map(\.topCount))::int8[], \(rows.map(\.deleCount))::int8[])
                     AS batch (day, user_name, end_reason, sessions, bytes_in, bytes_out, retr, top, dele)
                """
        case .metricSamples(let rows):
            return """
                INSERT INTO metric_samples (node, metric, resolution, time, value, maximum, last)
                SELECT \(node), * FROM unnest(\(rows.map(\.metric))::text[], \(rows.map(\.resolution))::text[],
                                              \(rows.map(\.time))::float8[], \(rows.map(\.value))::float8[],
                                              \(rows.map(\.maximum))::float8[], \(rows.map(\.last))::float8[])
                """
        case .userPolicies(let rows):
            // Arrays of optionals go as sentinels (-3 and NaN: never stored) turned back into NULL; ids by name.
            return """
                INSERT INTO user_policies (user_id, login_delay_seconds, expire_days, last_login)
                SELECT u.id, NULLIF(p.delay, -3), NULLIF(p.expire, -3), NULLIF(p.login, 'NaN'::float8)
                FROM unnest(\(rows.map(\.userName))::text[], \(rows.map { $0.loginDelaySeconds ?? -3 })::int8[],
                            \(rows.map { $0.expireDays ?? -3 })::int8[],
                            \(rows.map { $0.lastLogin ?? .nan })::float8[]) AS p(name, delay, expire, login)
                JOIN users u ON u.name = p.name
                """
        case .messageRetrievals(let rows):
            return """
                INSERT INTO message_retrievals (user_name, uidl, first_retrieved)
                SELECT * FROM unnest(\(rows.map(\.user))::text[], \(rows.map(\.uidl))::text[],
                                     \(rows.map(\.firstRetrieved))::float8[])
                """
        }
    }

    private static func dailyAttempts(_ rows: [StateRows.DailyAttempts], table: String, column: String)
        -> PostgresQuery
    {
        """
        INSERT INTO \(unescaped: table) (day, \(unescaped: column), result, attempts, last_time)
        SELECT day::date, key, result, attempts, last_time
        FROM unnest(\(rows.map(\.day))::text[], \(rows.map(\.key))::text[], \(rows.map(\.result))::text[],
                    \(rows.map(\.attempts))::int8[], \(rows.map(\.lastTime))::float8[])
             AS batch (day, key, result, attempts, last_time)
        """
    }
}

extension PostgresStorage {
    /// Runs `body` in one transaction, with pop3d's tables locked against other writers (waiting at most
    /// `lockTimeout` seconds for the lock): committed when `body` returns, rolled back when it throws. An error
    /// `body` throws comes back as it is; the database's own are `StorageError`s that name the server.
    public func importState<Result: Sendable>(
        lockTimeout: Int = 10, logger: Logger, _ body: (PostgresStateImport) async throws -> Result
    ) async throws -> Result {
        let node = self.node
        let location = self.location
        do {
            return try await client.withTransaction(logger: logger) { connection in
                let importer = PostgresStateImport(
                    connection: connection, node: node, location: location, logger: logger)
                try await importer.lockTables(lockTimeout: lockTimeout)
                return try await body(importer)
            }
        } catch let error as PostgresTransactionError {
            // The importer's own failures are StorageErrors already.
            if let closureError = error.closureError { throw closureError }
            throw PostgresFailure.storageError(
                error.beginError ?? error.commitError ?? error.rollbackError ?? error, step: .query, location: location)
        } catch let error as StorageError {
            throw error
        } catch {
            throw PostgresFailure.storageError(error, step: .query, location: location)
        }
    }
}
