/// Cached maildir wire sizes in SQLite.
final class SQLiteMessageIndex: MessageIndexStore {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    func indexedMessages(user: MailboxName) async throws -> [IndexedMessage] {
        try await database.read { connection in
            var result: [IndexedMessage] = []
            try connection.forEachRow(
                "SELECT base_name, file_size, mtime_ns, wire_size FROM message_index WHERE user = ?", user.value
            ) { row in
                result.append(
                    IndexedMessage(
                        baseName: row.string(0), fileSize: row.int64(1), modificationTime: row.int64(2),
                        wireSize: row.int64(3)))
            }
            return result
        }
    }

    func updateIndex(user: MailboxName, upsert: [IndexedMessage], remove: [String]) async throws {
        guard !upsert.isEmpty || !remove.isEmpty else { return }
        try await database.write { connection in
            for message in upsert {
                try connection.run(
                    """
                    INSERT OR REPLACE INTO message_index (user, base_name, file_size, mtime_ns, wire_size)
                    VALUES (?, ?, ?, ?, ?)
                    """, user.value, message.baseName, message.fileSize, message.modificationTime, message.wireSize)
            }
            for baseName in remove {
                try connection.run("DELETE FROM message_index WHERE user = ? AND base_name = ?", user.value, baseName)
            }
        }
    }
}
