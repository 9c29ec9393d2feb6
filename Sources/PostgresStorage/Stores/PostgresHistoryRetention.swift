import Foundation
import PostgresNIO
import Storage

/// Folds old `auth_events` and `sessions` rows into the daily tables and deletes them, one transaction per batch,
/// with the same rule as the SQLite store: a day keeps at most `namesPerDay` names (and peers) in rows of their
/// own, existing users always; further names are counted together under ''.
final class PostgresHistoryRetention: HistoryRetention {
    private let pool: PostgresPool
    private let namesPerDay: Int

    init(pool: PostgresPool, namesPerDay: Int = 10_000) {
        self.pool = pool
        self.namesPerDay = namesPerDay
    }

    func foldAuthEvents(before cutoff: Date, limit: Int) async throws -> Int {
        let namesPerDay = self.namesPerDay
        return try await pool.transaction { transaction in
            let batch = try await transaction.rows(
                """
                SELECT id, pop3d_day(time)::text, user_name, peer, result, time FROM auth_events
                WHERE time < \(cutoff.timeIntervalSince1970) ORDER BY time, id LIMIT \(limit) FOR UPDATE
                """
            ).map { try AttemptRow($0.decode((Int64, String, String, String, String, Double).self)) }
            guard !batch.isEmpty else { return 0 }
            let users = Set(
                try await transaction.rows(
                    "SELECT name FROM users WHERE name = ANY(\(Array(Set(batch.map(\.name)))))"
                ).map { try $0.decode(String.self) })
            for daily in [
                DailyTable(table: "auth_events_daily_by_user", column: "user_name", key: \.name),
                DailyTable(table: "auth_events_daily_by_peer", column: "peer", key: \.peer),
            ] {
                let alwaysOwn = daily.column == "user_name" ? users : []
                try await daily.fold(batch, limit: namesPerDay, alwaysOwn: alwaysOwn, in: transaction)
            }
            _ = try await transaction.rows("DELETE FROM auth_events WHERE id = ANY(\(batch.map(\.id)))")
            return batch.count
        }
    }

    func foldSessions(endedBefore cutoff: Date, limit: Int) async throws -> Int {
        try await pool.rows(
            """
            WITH batch AS (
                SELECT * FROM sessions WHERE ended_at < \(cutoff.timeIntervalSince1970)
                ORDER BY ended_at, id LIMIT \(limit) FOR UPDATE
            ), folded AS (
                INSERT INTO sessions_daily AS daily (day, user_name, end_reason, sessions, bytes_in, bytes_out,
                                                     retr_count, top_count, dele_count)
                SELECT pop3d_day(started_at), coalesce(user_name, ''), end_reason, count(*), sum(bytes_in),
                       sum(bytes_out), sum(retr_count), sum(top_count), sum(dele_count)
                FROM batch GROUP BY 1, 2, 3
                ON CONFLICT (day, user_name, end_reason) DO UPDATE SET
                    sessions = daily.sessions + excluded.sessions, bytes_in = daily.bytes_in + excluded.bytes_in,
                    bytes_out = daily.bytes_out + excluded.bytes_out,
                    retr_count = daily.retr_count + excluded.retr_count,
                    top_count = daily.top_count + excluded.top_count,
                    dele_count = daily.dele_count + excluded.dele_count
            ), deleted AS (
                DELETE FROM sessions WHERE id IN (SELECT id FROM batch) RETURNING 1
            )
            SELECT count(*) FROM deleted
            """
        ).first?.decode(Int.self) ?? 0
    }
}

/// One login attempt of a batch being folded.
private struct AttemptRow {
    let id: Int64
    let day: String
    let name: String
    let peer: String
    let result: String
    let time: Double

    init(_ row: (Int64, String, String, String, String, Double)) {
        (id, day, name, peer, result, time) = row
    }
}

/// One daily login table (by user name or by peer): which names of a batch keep a row of their own, and the upsert.
private struct DailyTable {
    let table: String
    let column: String
    let key: KeyPath<AttemptRow, String>

    func fold(
        _ batch: [AttemptRow], limit: Int, alwaysOwn: Set<String>, in transaction: PostgresPool.Transaction
    ) async throws {
        let days = Array(Set(batch.map(\.day)))
        let names = Array(Set(batch.map { $0[keyPath: key] }))
        var existing = Set<[String]>()
        for row in try await transaction.rows(
            """
            SELECT DISTINCT day::text, \(unescaped: column) FROM \(unescaped: table)
            WHERE day = ANY(\(days)::date[]) AND \(unescaped: column) = ANY(\(names))
            """)
        {
            let (day, name) = try row.decode((String, String).self)
            existing.insert([day, name])
        }
        var counts: [String: Int] = [:]
        for row in try await transaction.rows(
            """
            SELECT day::text, count(DISTINCT \(unescaped: column)) FROM \(unescaped: table)
            WHERE day = ANY(\(days)::date[]) AND \(unescaped: column) <> '' GROUP BY day
            """)
        {
            let (day, count) = try row.decode((String, Int).self)
            counts[day] = count
        }
        // In (day, name, result) order, so which names of a full day get a row of their own is decided the same
        // way every time.
        var totals: [[String]: (attempts: Int64, last: Double)] = [:]
        for attempt in batch.sorted(by: {
            ($0.day, $0[keyPath: key], $0.result) < ($1.day, $1[keyPath: key], $1.result)
        }) {
            let name = attempt[keyPath: key]
            var owned = existing.contains([attempt.day, name])
            if !owned, counts[attempt.day, default: 0] < limit || alwaysOwn.contains(name) {
                counts[attempt.day, default: 0] += 1
                existing.insert([attempt.day, name])
                owned = true
            }
            let group = [attempt.day, owned ? name : "", attempt.result]
            let previous = totals[group, default: (0, -Double.infinity)]
            totals[group] = (previous.attempts + 1, max(previous.last, attempt.time))
        }
        let groups = Array(totals)
        _ = try await transaction.rows(
            """
            INSERT INTO \(unescaped: table) AS daily (day, \(unescaped: column), result, attempts, last_time)
            SELECT day::date, name, result, attempts, last_time
            FROM unnest(\(groups.map { $0.key[0] })::text[], \(groups.map { $0.key[1] })::text[],
                        \(groups.map { $0.key[2] })::text[], \(groups.map { $0.value.attempts })::int8[],
                        \(groups.map { $0.value.last })::float8[]) AS batch (day, name, result, attempts, last_time)
            ON CONFLICT (day, \(unescaped: column), result) DO UPDATE SET
                attempts = daily.attempts + excluded.attempts, last_time = greatest(daily.last_time, excluded.last_time)
            """)
    }
}
