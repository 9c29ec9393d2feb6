import PostgresNIO
import Storage

/// Cached maildir wire sizes in PostgreSQL, shared by every node (maildir files never change, only their names, so a
/// row is right whichever node wrote it).
final class PostgresMessageIndex: MessageIndexStore {
    private let pool: PostgresPool

    init(pool: PostgresPool) {
        self.pool = pool
    }

    /// One row of four arrays rather than a row per message: a 50,000-message maildrop then costs one message on
    /// the wire and four array decodes instead of 50,000 rows, each framed, allocated and decoded on its own.
    func indexedMessages(user: MailboxName) async throws -> [IndexedMessage] {
        try await pool.offEventLoop {
            guard
                let row = try await pool.rows(
                    """
                    SELECT coalesce(array_agg(base_name), '{}'), coalesce(array_agg(file_size), '{}'),
                           coalesce(array_agg(mtime_ns), '{}'), coalesce(array_agg(wire_size), '{}')
                    FROM message_index WHERE user_name = \(user.value)
                    """
                ).first
            else { return [] }
            let (names, fileSizes, modified, wireSizes) = try row.decode(([String], [Int64], [Int64], [Int64]).self)
            guard names.count == fileSizes.count, names.count == modified.count, names.count == wireSizes.count else {
                throw StorageError.invalidValue("message_index arrays of different lengths")
            }
            return names.indices.map {
                IndexedMessage(
                    baseName: names[$0], fileSize: fileSizes[$0], modificationTime: modified[$0],
                    wireSize: wireSizes[$0])
            }
        }
    }

    func updateIndex(user: MailboxName, upsert: [IndexedMessage], remove: [String]) async throws {
        guard !upsert.isEmpty || !remove.isEmpty else { return }
        try await pool.offEventLoop { try await write(user: user, upsert: upsert, remove: remove) }
    }

    private func write(user: MailboxName, upsert: [IndexedMessage], remove: [String]) async throws {
        // One row per base name: PostgreSQL refuses an upsert that would touch a row twice (a maildir may hold one
        // base name in both new/ and cur/); the last one wins, as with SQLite's INSERT OR REPLACE.
        var unique: [String: IndexedMessage] = [:]
        for message in upsert { unique[message.baseName] = message }
        let upsert = Array(unique.values)
        try await pool.transaction { transaction in
            if !upsert.isEmpty {
                _ = try await transaction.rows(
                    """
                    INSERT INTO message_index (user_name, base_name, file_size, mtime_ns, wire_size)
                    SELECT \(user.value), * FROM unnest(\(upsert.map(\.baseName))::text[],
                        \(upsert.map(\.fileSize))::int8[], \(upsert.map(\.modificationTime))::int8[],
                        \(upsert.map(\.wireSize))::int8[])
                    ON CONFLICT (user_name, base_name) DO UPDATE SET file_size = excluded.file_size,
                        mtime_ns = excluded.mtime_ns, wire_size = excluded.wire_size
                    """)
            }
            if !remove.isEmpty {
                _ = try await transaction.rows(
                    "DELETE FROM message_index WHERE user_name = \(user.value) AND base_name = ANY(\(remove))")
            }
        }
    }
}
