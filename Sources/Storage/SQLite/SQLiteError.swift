/// An error reported by SQLite, with its result code and message.
public struct SQLiteError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The extended result code (e.g. 5 SQLITE_BUSY, 26 SQLITE_NOTADB).
    public let code: Int32
    /// SQLite's own message.
    public let message: String
    /// The statement that failed, if any (never with bound values, so never with a secret).
    public let sql: String?

    public init(code: Int32, message: String, sql: String? = nil) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// The primary result code (the low byte of the extended code).
    public var primaryCode: Int32 { code & 0xFF }

    /// True for faults that may clear by themselves: busy, locked, disk full, I/O.
    public var isTransient: Bool {
        [5, 6, 10, 13, 14].contains(primaryCode)  // BUSY, LOCKED, IOERR, FULL, CANTOPEN
    }

    public var description: String {
        if let sql { return "SQLite error \(code): \(message) (in: \(sql))" }
        return "SQLite error \(code): \(message)"
    }
}
