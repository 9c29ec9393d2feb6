/// A node-local SQLite file holding only the message index (wire sizes of maildir messages), for a server whose
/// other state lives elsewhere (PostgreSQL): a warm login then reads its 50,000 index rows from a local file rather
/// than over the network. Maildir files never change (only their names do), so rows written by this node stay right
/// when another node changes the maildrop: new files are measured, vanished ones dropped, as with any index.
public final class MessageIndexCache: Sendable {
    private let database: Database
    public let store: any MessageIndexStore

    /// Opens (creating when missing) the cache file. `owner`: see `Database`.
    public init(path: String, owner: FileOwner? = nil) throws {
        let database = try Database(path: path, owner: owner)
        do {
            try database.writeBlocking { connection in
                // The table of the main SQLite schema (migration 0001), alone.
                try connection.execute(
                    """
                    CREATE TABLE IF NOT EXISTS message_index (
                        user TEXT NOT NULL,
                        base_name TEXT NOT NULL,
                        file_size INTEGER NOT NULL,
                        mtime_ns INTEGER NOT NULL,
                        wire_size INTEGER NOT NULL,
                        PRIMARY KEY (user, base_name)
                    ) WITHOUT ROWID
                    """)
            }
        } catch {
            database.close()
            throw error
        }
        self.database = database
        self.store = SQLiteMessageIndex(database: database)
    }

    public func close() {
        database.close()
    }
}
