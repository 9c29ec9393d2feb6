import Foundation
import Glibc
import NIOPosix
import Synchronization

/// A SQLite database file shared by the whole process, through two connections, each with its own thread:
/// - the writer runs every write transaction, one at a time (single writer by construction);
/// - the reader runs plain reads. In WAL mode it reads the last committed state even while another process (an
///   operator's `sqlite3` shell, say) holds the write lock, so a login that only checks a password never waits
///   behind a writer.
/// The async `read` and `write` hop to those threads; callers never block. Migrations and tests use the blocking
/// forms.
// @unchecked Sendable: each connection is used only inside its own lock, so one thread at a time uses it.
public final class Database: @unchecked Sendable {
    /// The file this database lives in.
    public let path: String
    private let writerLock = Mutex(())
    private var writer: Connection?
    private let readerLock = Mutex(())
    private var reader: Connection?
    private let busyTimeoutMilliseconds: Int32
    private let owner: FileOwner?
    private let isClosed = Atomic<Bool>(false)
    private let writerThread = NIOThreadPool(numberOfThreads: 1)
    private let readerThread = NIOThreadPool(numberOfThreads: 1)

    /// Opens (creating when missing) the database file. With an `owner` (pop3d runs as root and will become that
    /// account), the files are handed to it without following a symbolic link, and none is followed on opening.
    public init(path: String, busyTimeoutMilliseconds: Int32 = 5_000, owner: FileOwner? = nil) throws {
        self.path = path
        self.busyTimeoutMilliseconds = busyTimeoutMilliseconds
        self.owner = owner
        writer = try Connection(
            path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, createsFile: true, owner: owner)
        writerThread.start()
        readerThread.start()
    }

    /// Runs `body` with the writer connection in one write transaction: all of it is applied or none of it.
    func write<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        guard !isClosed.load(ordering: .acquiring) else { throw closed() }
        return try await writerThread.run { [self] in try writeBlocking(body) }
    }

    /// Runs `body` with the reader connection, outside any explicit transaction. Never sees uncommitted writes.
    func read<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        guard !isClosed.load(ordering: .acquiring) else { throw closed() }
        return try await readerThread.run { [self] in try readBlocking(body) }
    }

    /// `write`, blocking the calling thread.
    func writeBlocking<T>(_ body: (Connection) throws -> T) throws -> T {
        try withWriter { connection in try connection.transaction { try body(connection) } }
    }

    /// Runs `body` with the writer connection outside a transaction, blocking (migrations manage their own).
    func withWriter<T>(_ body: (Connection) throws -> T) throws -> T {
        try writerLock.withLock { _ in
            guard let connection = writer else { throw closed() }
            do {
                return try body(connection)
            } catch let error as SQLiteError {
                throw StorageError.sqlite(error)
            }
        }
    }

    /// `read`, blocking the calling thread. The reader connection is opened at its first use, after migrations
    /// have created the schema; an in-memory database has no second connection and reads through the writer.
    func readBlocking<T>(_ body: (Connection) throws -> T) throws -> T {
        if path == ":memory:" { return try withWriter(body) }
        return try readerLock.withLock { _ in
            guard !isClosed.load(ordering: .acquiring) else { throw closed() }
            let connection: Connection
            if let reader {
                connection = reader
            } else {
                connection = try Connection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds, owner: owner)
                reader = connection
            }
            do {
                return try body(connection)
            } catch let error as SQLiteError {
                throw StorageError.sqlite(error)
            }
        }
    }

    /// The answer of `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws -> String {
        try withWriter { connection in
            try connection.query("PRAGMA integrity_check").map { $0.string(0) }.joined(separator: "\n")
        }
    }

    /// Writes a consistent copy of the live database to `destination`, a new file created with mode 0600
    /// (`StorageError.alreadyExists` when it exists). `VACUUM INTO` runs on a third connection, so in WAL mode it
    /// reads one snapshot while the server's connections go on reading and writing. It runs on a thread of its own:
    /// copying a large file takes seconds that the reader's and writer's threads must not lose.
    public func backup(to destination: String) async throws {
        let path = self.path
        let owner = self.owner
        try await Self.onOwnThread {
            // Created here, exclusively, so no existing file is overwritten and the copy is never world-readable.
            let descriptor = Glibc.open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                let code = errno
                if code == EEXIST { throw StorageError.alreadyExists(destination) }
                throw StorageError.invalidValue("cannot create \(destination): \(String(cString: strerror(code)))")
            }
            Glibc.close(descriptor)
            do {
                let snapshot = try Connection(path: path, busyTimeoutMilliseconds: 5_000, owner: owner)
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
    }

    /// Bytes the database occupies: `page_count` × `page_size` (free pages included: SQLite reuses them rather
    /// than shrink the file) plus the write-ahead log's file. Measured on the reader's thread, which also does the
    /// `stat` of the log, so no caller's thread touches the file system.
    public func sizeInBytes() async throws -> UInt64 {
        let log = path + "-wal"
        return try await read { connection in
            let pages = try connection.query("PRAGMA page_count")[0].int64(0)
            let pageSize = try connection.query("PRAGMA page_size")[0].int64(0)
            var status = stat()
            let logBytes = stat(log, &status) == 0 ? Int64(status.st_size) : 0
            return UInt64(max(0, pages * pageSize + logBytes))
        }
    }

    /// Closes both connections and stops their threads; later calls throw. Blocks until running work is done.
    public func close() {
        isClosed.store(true, ordering: .releasing)
        writerLock.withLock { _ in
            writer?.close()
            writer = nil
        }
        readerLock.withLock { _ in
            reader?.close()
            reader = nil
        }
        try? writerThread.syncShutdownGracefully()
        try? readerThread.syncShutdownGracefully()
    }

    private static func onOwnThread(_ work: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    private func closed() -> StorageError {
        StorageError.invalidValue("the database \(path) is closed")
    }
}

extension Database: DatabaseMaintenance {}
