import Synchronization

/// A SQLite database file shared by the whole process. Every access goes through one connection under a lock,
/// which makes writes single-writer by construction; callers are on a thread pool, never an event loop.
// @unchecked Sendable: `connection` is read and written only inside `lock.withLock`, so one thread at a time uses it.
public final class Database: @unchecked Sendable {
    /// The file this database lives in.
    public let path: String
    private let lock = Mutex(())
    private var connection: Connection?

    /// Opens (creating when missing) the database file and applies pending migrations.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 5_000) throws {
        self.path = path
        let opened = try Connection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        self.connection = opened
    }

    /// Runs `body` with the connection, outside any explicit transaction.
    func read<T>(_ body: (Connection) throws -> T) throws -> T {
        try lock.withLock { _ in
            guard let connection else { throw StorageError.invalidValue("the database \(path) is closed") }
            do {
                return try body(connection)
            } catch let error as SQLiteError {
                throw StorageError.sqlite(error)
            }
        }
    }

    /// Runs `body` in one write transaction: all of it is applied or none of it.
    func write<T>(_ body: (Connection) throws -> T) throws -> T {
        try read { connection in try connection.transaction { try body(connection) } }
    }

    /// The answer of `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws -> String {
        try read { connection in
            try connection.query("PRAGMA integrity_check").map { $0.string(0) }.joined(separator: "\n")
        }
    }

    /// Closes the file; later calls throw.
    public func close() {
        lock.withLock { _ in
            connection?.close()
            connection = nil
        }
    }
}
