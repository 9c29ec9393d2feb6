import Foundation
import PostgresNIO
import Storage

/// The deletion journal in PostgreSQL. Each row carries the node that wrote it. Recovery is per maildrop, by the
/// session that takes its cluster-wide lock (`recover(user:)`): another user's pending rows may belong to sessions
/// that are alive on other nodes.
final class PostgresDeletionJournal: DeletionJournal {
    private let pool: PostgresPool
    private let node: String

    init(pool: PostgresPool, node: String) {
        self.pool = pool
        self.node = node
    }

    func addPending(session: String, user: MailboxName, baseName: String, fileName: String) async throws {
        let now = Date().timeIntervalSince1970
        try await pool.rows(
            """
            INSERT INTO deletion_journal (node, session, user_name, base_name, file_name, state, created_at, updated_at)
            VALUES (\(node), \(session), \(user.value), \(baseName), \(fileName), 'pending', \(now), \(now))
            """)
    }

    func clearPending(session: String) async throws {
        try await pool.rows("DELETE FROM deletion_journal WHERE session = \(session) AND state = 'pending'")
    }

    // QUIT's steps run on the session's event loop, and a session may have marked thousands of messages.
    func markCommitting(session: String) async throws -> [JournalEntry] {
        let now = Date().timeIntervalSince1970
        return try await pool.offEventLoop { try await markCommitting(session: session, at: now) }
    }

    private func markCommitting(session: String, at now: Double) async throws -> [JournalEntry] {
        try await pool.transaction { transaction in
            _ = try await transaction.rows(
                """
                UPDATE deletion_journal SET state = 'committing', updated_at = \(now)
                WHERE session = \(session) AND state = 'pending'
                """)
            return try await Self.entries(
                transaction.rows(
                    """
                    SELECT id, session, user_name, base_name, file_name, state FROM deletion_journal
                    WHERE session = \(session) AND state = 'committing' ORDER BY id
                    """))
        }
    }

    func markDone(ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        let now = Date().timeIntervalSince1970
        try await pool.offEventLoop {
            try await pool.rows(
                """
                UPDATE deletion_journal SET state = 'done', updated_at = \(now)
                WHERE id = ANY(\(ids)) AND state = 'committing'
                """)
        }
    }

    func discard(ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await pool.offEventLoop {
            try await pool.rows("DELETE FROM deletion_journal WHERE id = ANY(\(ids)) AND state = 'committing'")
        }
    }

    func recover() async throws -> (discardedPending: Int, committing: [JournalEntry]) {
        try await pool.transaction { [node] transaction in
            let discarded = try await transaction.rows(
                "DELETE FROM deletion_journal WHERE node = \(node) AND state = 'pending' RETURNING id"
            ).count
            let committing = try await Self.entries(
                transaction.rows(
                    """
                    SELECT id, session, user_name, base_name, file_name, state FROM deletion_journal
                    WHERE node = \(node) AND state = 'committing' ORDER BY id
                    """))
            return (discarded, committing)
        }
    }

    func recover(user: MailboxName) async throws -> (discardedPending: Int, committing: [JournalEntry]) {
        try await pool.transaction { transaction in
            let discarded = try await transaction.rows(
                "DELETE FROM deletion_journal WHERE user_name = \(user.value) AND state = 'pending' RETURNING id"
            ).count
            let committing = try await Self.entries(
                transaction.rows(
                    """
                    SELECT id, session, user_name, base_name, file_name, state FROM deletion_journal
                    WHERE user_name = \(user.value) AND state = 'committing' ORDER BY id
                    """))
            return (discarded, committing)
        }
    }

    func countsByState() async throws -> [JournalState: Int] {
        var counts = Dictionary(uniqueKeysWithValues: JournalState.allCases.map { ($0, 0) })
        for row in try await pool.rows("SELECT state, count(*) FROM deletion_journal GROUP BY state") {
            let (state, count) = try row.decode((String, Int).self)
            if let state = JournalState(rawValue: state) { counts[state] = count }
        }
        return counts
    }

    private static func entries(_ rows: [PostgresRow]) throws -> [JournalEntry] {
        try rows.map {
            let (id, session, user, baseName, fileName, state) = try $0.decode(
                (Int64, String, String, String, String, String).self)
            return JournalEntry(
                id: id, session: session, user: user, baseName: baseName, fileName: fileName,
                state: JournalState(rawValue: state) ?? .pending)
        }
    }
}
