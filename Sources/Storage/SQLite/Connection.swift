import CSQLite
import Glibc

/// One SQLite connection: opened in WAL mode with foreign keys on and a busy timeout, statements prepared once
/// and cached. Not thread-safe: `Database` serialises access to it.
final class Connection {
    private(set) var handle: OpaquePointer?
    private var statementCache: [String: Statement] = [:]
    let path: String

    /// Opens the database at `path`; the process's first connection (`createsFile`) creates it when missing, with
    /// mode 0600. Later connections must not: closing any descriptor of the file drops every POSIX lock this
    /// process holds on it, the other connections' locks included, and another process could then write under them.
    /// With an `owner` (root about to become that account), the file and its -wal and -shm are handed to the owner
    /// before SQLite opens them, and SQLite refuses a symbolic link anywhere in the path. A `readOnly` connection
    /// (a copy's source) neither creates the file nor changes its journal mode.
    init(
        path: String, busyTimeoutMilliseconds: Int32, createsFile: Bool = false, readOnly: Bool = false,
        owner: FileOwner? = nil
    ) throws {
        self.path = path
        if path != ":memory:", createsFile {
            if let owner {
                try owner.adopt(path, creating: true)
                // SQLite opens these with O_NOFOLLOW, and gives new ones the database file's owner when run as root.
                for companion in [path + "-wal", path + "-shm"] { try owner.adopt(companion, creating: false) }
            } else {
                // Create the file ourselves so it gets 0600; SQLite gives its WAL and SHM files the same mode.
                let descriptor = Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
                guard descriptor >= 0 else {
                    throw StorageError.cannotOpen(path: path, reason: String(cString: strerror(errno)))
                }
                Glibc.close(descriptor)
            }
        }
        var handle: OpaquePointer?
        let access = readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | (createsFile ? SQLITE_OPEN_CREATE : 0)
        let flags = access | SQLITE_OPEN_NOMUTEX | (owner == nil ? 0 : SQLITE_OPEN_NOFOLLOW)
        let code = sqlite3_open_v2(path, &handle, flags, nil)
        guard code == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw StorageError.cannotOpen(path: path, reason: message)
        }
        self.handle = handle
        sqlite3_extended_result_codes(handle, 1)
        sqlite3_busy_timeout(handle, busyTimeoutMilliseconds)
        do {
            // The first read of the file happens here: a corrupt or foreign file fails now, not later.
            if !readOnly { try execute("PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;") }
            _ = try query("SELECT count(*) FROM sqlite_schema")
        } catch let error as SQLiteError {
            close()
            throw StorageError.cannotOpen(path: path, reason: error.message)
        }
    }

    deinit { close() }

    func close() {
        statementCache.removeAll()
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
    }

    /// Runs one or more statements without arguments (schema, pragmas).
    func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let code = sqlite3_exec(handle, sql, nil, nil, &message)
        guard code == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(code))
            sqlite3_free(message)
            throw SQLiteError(code: sqlite3_extended_errcode(handle), message: text, sql: Self.summary(of: sql))
        }
    }

    /// Runs a statement that returns no rows.
    func run(_ sql: String, _ arguments: any SQLiteBindable...) throws {
        _ = try query(sql, arguments.map(\.sqliteValue))
    }

    /// Runs a statement and returns all its rows.
    func query(_ sql: String, _ arguments: any SQLiteBindable...) throws -> [Row] {
        try query(sql, arguments.map(\.sqliteValue))
    }

    func query(_ sql: String, _ arguments: [SQLiteValue]) throws -> [Row] {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments)
        return try statement.rows()
    }

    /// Runs a query and hands each row to `body` as a cursor, copying nothing it does not read.
    func forEachRow(_ sql: String, _ arguments: any SQLiteBindable..., body: (RowCursor) throws -> Void) throws {
        let statement = try cachedStatement(sql)
        try statement.bind(arguments.map(\.sqliteValue))
        try statement.forEachRow(body)
    }

    /// Rows changed by the last statement.
    var changes: Int { Int(sqlite3_changes64(handle)) }

    /// The rowid of the last insert.
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Runs `body` in a transaction; commits when it returns, rolls back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    func error(code: Int32, sql: String?) -> SQLiteError {
        let extended = handle.map { sqlite3_extended_errcode($0) } ?? code
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
        return SQLiteError(code: extended, message: message, sql: sql.map(Self.summary(of:)))
    }

    private func cachedStatement(_ sql: String) throws -> Statement {
        if let statement = statementCache[sql] { return statement }
        let statement = try Statement(connection: self, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    private static func summary(of sql: String) -> String {
        let flat = sql.split(whereSeparator: \.isNewline).joined(separator: " ")
        return flat.count > 120 ? String(flat.prefix(120)) + "…" : flat
    }
}
