import Glibc
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

    /// Writes a consistent copy of the live database to `destination`, a new file created with mode 0600
    /// (`StorageError.alreadyExists` when it exists). `VACUUM INTO` runs on a second connection, so in WAL mode it
    /// reads one snapshot while the server's connection goes on reading and writing.
    public func backup(to destination: String) throws {
        // Created here, exclusively, so no existing file is overwritten and the copy is never world-readable.
        let descriptor = Glibc.open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            let code = errno
            if code == EEXIST { throw StorageError.alreadyExists(destination) }
            throw StorageError.invalidValue("cannot create \(destination): \(String(cString: strerror(code)))")
        }
        Glibc.close(descriptor)
        do {
            let snapshot = try Connection(path: path, busyTimeoutMilliseconds: 5_000)
            defer { snapshot.close() }
            try snapshot.run("VACUUM INTO ?", destination)
        } catch let error as SQLiteError {
            unlink(destination)
            throw StorageError.sqlite(error)
        } catch {
            unlink(destination)
            throw error
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

extension Database: DatabaseMaintenance {}
