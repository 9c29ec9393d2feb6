import Foundation

/// The deletion journal in SQLite.
final class SQLiteDeletionJournal: DeletionJournal {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    func addPending(session: String, user: MailboxName, baseName: String, fileName: String) async throws {
        let now = Date().timeIntervalSince1970
        try await database.write { connection in
            try connection.run(
                """
                INSERT INTO deletion_journal (session, user, base_name, file_name, state, created_at, updated_at)
                VALUES (?, ?, ?, ?, 'pending', ?, ?)
                """, session, user.value, baseName, fileName, now, now)
        }
    }

    func clearPending(session: String) async throws {
        try await database.write { connection in
            try connection.run("DELETE FROM deletion_journal WHERE session = ? AND state = 'pending'", session)
        }
    }

    func markCommitting(session: String) async throws -> [JournalEntry] {
        try await database.write { connection in
            try connection.run(
                "UPDATE deletion_journal SET state = 'committing', updated_at = ? WHERE session = ? AND state = 'pending'",
                Date().timeIntervalSince1970, session)
            return try Self.entries(connection, where: "session = ? AND state = 'committing'", session)
        }
    }

    func markDone(ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try await database.write { connection in
            for id in ids {
                try connection.run(
                    "UPDATE deletion_journal SET state = 'done', updated_at = ? WHERE id = ? AND state = 'committing'",
                    now, id)
            }
        }
    }

    func discard(ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await database.write { connection in
            for id in ids {
                try connection.run("DELETE FROM deletion_journal WHERE id = ? AND state = 'committing'", id)
            }
        }
    }

    func recover() async throws -> (discardedPending: Int, committing: [JournalEntry]) {
        try await database.write { connection in
            try connection.run("DELETE FROM deletion_journal WHERE state = 'pending'")
            let discarded = connection.changes
            return (discarded, try Self.entries(connection, where: "state = 'committing'"))
        }
    }

    func recover(user: MailboxName) async throws -> (discardedPending: Int, committing: [JournalEntry]) {
        try await database.write { connection in
            try connection.run("DELETE FROM deletion_journal WHERE user = ? AND state = 'pending'", user.value)
            let discarded = connection.changes
            return (discarded, try Self.entries(connection, where: "user = ? AND state = 'committing'", user.value))
        }
    }

    func countsByState() async throws -> [JournalState: Int] {
        try await database.read { connection in
            var counts = Dictionary(uniqueKeysWithValues: JournalState.allCases.map { ($0, 0) })
            for row in try connection.query("SELECT state, count(*) FROM deletion_journal GROUP BY state") {
                if let state = JournalState(rawValue: row.string(0)) { counts[state] = row.int(1) }
            }
            return counts
        }
    }

    private static func entries(_ connection: Connection, where condition: String, _ arguments: any SQLiteBindable...)
        throws
        -> [JournalEntry]
    {
        try connection.query(
            "SELECT id, session, user, base_name, file_name, state FROM deletion_journal WHERE \(condition) ORDER BY id",
            arguments.map(\.sqliteValue)
        ).map {
            JournalEntry(
                id: $0.int64(0), session: $0.string(1), user: $0.string(2), baseName: $0.string(3),
                fileName: $0.string(4), state: JournalState(rawValue: $0.string(5)) ?? .pending)
        }
    }
}
