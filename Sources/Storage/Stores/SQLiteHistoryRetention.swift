import Foundation

/// Folds old `auth_events` and `sessions` rows into the daily tables of migration 0002 and deletes them. Each call
/// is one write transaction over at most `limit` rows, so the writer is never held for long, and a crash leaves
/// either the rows or their totals, never both or neither.
final class SQLiteHistoryRetention: HistoryRetention {
    /// Distinct user names (and, apart, peers) one day's login totals keep in rows of their own; attempts with
    /// further names are counted together under '' (existing users always keep their own row). It bounds what a
    /// flood of made-up names or addresses adds to the totals each day.
    static let namesPerDay = 10_000
    private let database: Database
    private let namesPerDay: Int

    init(database: Database, namesPerDay: Int = SQLiteHistoryRetention.namesPerDay) {
        self.database = database
        self.namesPerDay = namesPerDay
    }

    func foldAuthEvents(before cutoff: Date, limit: Int) async throws -> Int {
        let namesPerDay = self.namesPerDay
        return try await database.write { connection in
            // The oldest rows by (time, id), a total order: every statement below sees the same batch.
            let batch =
                "SELECT id, time, user_name, peer, result FROM auth_events WHERE time < ?1 ORDER BY time, id LIMIT ?2"
            let arguments: [SQLiteValue] = [.real(cutoff.timeIntervalSince1970), .integer(Int64(limit))]
            var users = DailyNames(table: "auth_events_daily_by_user", column: "user_name", limit: namesPerDay)
            var peers = DailyNames(table: "auth_events_daily_by_peer", column: "peer", limit: namesPerDay)
            try users.fold(connection.query(Self.groups(of: batch, by: "user_name"), arguments), in: connection) {
                try !connection.query("SELECT 1 FROM users WHERE name = ?", $0).isEmpty
            }
            try peers.fold(connection.query(Self.groups(of: batch, by: "peer"), arguments), in: connection) { _ in
                false
            }
            _ = try connection.query("DELETE FROM auth_events WHERE id IN (SELECT id FROM (\(batch)))", arguments)
            return connection.changes
        }
    }

    func foldSessions(endedBefore cutoff: Date, limit: Int) async throws -> Int {
        try await database.write { connection in
            let batch = "SELECT * FROM sessions WHERE ended_at < ?1 ORDER BY ended_at, id LIMIT ?2"
            let arguments: [SQLiteValue] = [.real(cutoff.timeIntervalSince1970), .integer(Int64(limit))]
            // `WHERE true` keeps SQLite from reading ON CONFLICT as a join's ON.
            _ = try connection.query(
                """
                INSERT INTO sessions_daily (day, user, end_reason, sessions, bytes_in, bytes_out, retr_count,
                                            top_count, dele_count)
                SELECT date(started_at, 'unixepoch'), coalesce(user, ''), end_reason, count(*), sum(bytes_in),
                       sum(bytes_out), sum(retr_count), sum(top_count), sum(dele_count)
                FROM (\(batch)) WHERE true GROUP BY 1, 2, 3
                ON CONFLICT (day, user, end_reason) DO UPDATE SET
                    sessions = sessions + excluded.sessions, bytes_in = bytes_in + excluded.bytes_in,
                    bytes_out = bytes_out + excluded.bytes_out, retr_count = retr_count + excluded.retr_count,
                    top_count = top_count + excluded.top_count, dele_count = dele_count + excluded.dele_count
                """, arguments)
            _ = try connection.query("DELETE FROM sessions WHERE id IN (SELECT id FROM (\(batch)))", arguments)
            return connection.changes
        }
    }

    /// The batch's attempts per day, name (`column`) and result: day, name, result, attempts, last time. In name
    /// order, so which names of a full day get a row of their own does not depend on SQLite's plan.
    private static func groups(of batch: String, by column: String) -> String {
        """
        SELECT date(time, 'unixepoch'), \(column), result, count(*), max(time)
        FROM (\(batch)) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
        """
    }
}

/// One daily login table (by user name or by peer): which names get a row of their own each day, and the upserts.
private struct DailyNames {
    let table: String
    let column: String
    let limit: Int
    /// Names with a row of their own, per day, as far as this batch has looked.
    private var counts: [String: Int] = [:]
    /// Names this batch has given a row of their own, per day.
    private var admitted: Set<[String]> = []

    init(table: String, column: String, limit: Int) {
        self.table = table
        self.column = column
        self.limit = limit
    }

    /// Adds the batch's groups (day, name, result, attempts, last time) to the table: one upsert per row touched,
    /// so the names past a full day's limit cost one upsert together.
    mutating func fold(_ groups: [Row], in connection: Connection, alwaysOwnRow: (String) throws -> Bool) throws {
        var totals: [[String]: (attempts: Int64, last: Double)] = [:]
        for group in groups {
            let day = group.string(0)
            let name =
                try ownsRow(group.string(1), day: day, in: connection, alwaysOwnRow: alwaysOwnRow)
                ? group.string(1) : ""
            let previous = totals[[day, name, group.string(2)], default: (0, -Double.infinity)]
            totals[[day, name, group.string(2)]] = (
                previous.attempts + group.int64(3), max(previous.last, group.double(4))
            )
        }
        for (key, total) in totals {
            try connection.run(
                """
                INSERT INTO \(table) (day, \(column), result, attempts, last_time) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (day, \(column), result) DO UPDATE SET
                    attempts = attempts + excluded.attempts, last_time = max(last_time, excluded.last_time)
                """, key[0], key[1], key[2], total.attempts, total.last)
        }
    }

    /// Whether `name` keeps a row of its own that day: it has one already, the day has room, or `alwaysOwnRow`.
    private mutating func ownsRow(
        _ name: String, day: String, in connection: Connection, alwaysOwnRow: (String) throws -> Bool
    ) throws -> Bool {
        if admitted.contains([day, name]) { return true }
        let existing = "SELECT 1 FROM \(table) WHERE day = ? AND \(column) = ? LIMIT 1"
        if try !connection.query(existing, day, name).isEmpty { return true }
        let count =
            try counts[day]
            ?? connection.query(
                "SELECT count(DISTINCT \(column)) FROM \(table) WHERE day = ? AND \(column) <> ''", day)[0].int(0)
        counts[day] = count
        guard try count < limit || alwaysOwnRow(name) else { return false }
        counts[day] = count + 1
        admitted.insert([day, name])
        return true
    }
}
