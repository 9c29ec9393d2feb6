import CSQLite

/// A prepared statement. Owned and cached by one `Connection`; never shared between threads.
final class Statement {
    private(set) var handle: OpaquePointer?
    let sql: String
    private unowned let connection: Connection

    init(connection: Connection, sql: String) throws {
        self.connection = connection
        self.sql = sql
        var handle: OpaquePointer?
        let code = sqlite3_prepare_v3(connection.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard code == SQLITE_OK else {
            sqlite3_finalize(handle)
            throw connection.error(code: code, sql: sql)
        }
        self.handle = handle
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ arguments: [SQLiteValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        for (offset, value) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null:
                code = sqlite3_bind_null(handle, index)
            case .integer(let integer):
                code = sqlite3_bind_int64(handle, index, integer)
            case .real(let real):
                code = sqlite3_bind_double(handle, index, real)
            case .text(let text):
                code = sqlite3_bind_text(handle, index, text, -1, csqlite_transient())
            case .blob(let bytes):
                code = bytes.withUnsafeBytes { raw in
                    sqlite3_bind_blob64(handle, index, raw.baseAddress, sqlite3_uint64(raw.count), csqlite_transient())
                }
            }
            guard code == SQLITE_OK else { throw connection.error(code: code, sql: sql) }
        }
    }

    /// Steps through every row; the statement is reset afterwards so its locks are released.
    func rows() throws -> [Row] {
        defer { sqlite3_reset(handle) }
        var result: [Row] = []
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return result }
            guard code == SQLITE_ROW else { throw connection.error(code: code, sql: sql) }
            result.append(currentRow())
        }
    }

    /// Steps through every row without copying it: `body` reads the columns it needs from the cursor,
    /// which is valid only during the call. For large results (the message index of a big maildrop).
    func forEachRow(_ body: (RowCursor) throws -> Void) throws {
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw connection.error(code: code, sql: sql) }
            try body(RowCursor(handle: handle))
        }
    }

    /// Steps to at most `limit` further rows, for reading a large result in parts. Fewer than `limit` rows means
    /// the result is exhausted: the statement is then reset, and a further call would start it again.
    func nextRows(limit: Int) throws -> [Row] {
        var result: [Row] = []
        while result.count < limit {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE {
                sqlite3_reset(handle)
                return result
            }
            guard code == SQLITE_ROW else {
                sqlite3_reset(handle)
                throw connection.error(code: code, sql: sql)
            }
            result.append(currentRow())
        }
        return result
    }

    private func currentRow() -> Row {
        let count = sqlite3_column_count(handle)
        var values: [SQLiteValue] = []
        values.reserveCapacity(Int(count))
        for column in 0..<count {
            switch sqlite3_column_type(handle, column) {
            case SQLITE_INTEGER:
                values.append(.integer(sqlite3_column_int64(handle, column)))
            case SQLITE_FLOAT:
                values.append(.real(sqlite3_column_double(handle, column)))
            case SQLITE_TEXT:
                let length = Int(sqlite3_column_bytes(handle, column))
                if let text = sqlite3_column_text(handle, column) {
                    let bytes = UnsafeBufferPointer(start: text, count: length)
                    values.append(.text(String(decoding: bytes, as: UTF8.self)))
                } else {
                    values.append(.text(""))
                }
            case SQLITE_BLOB:
                let length = Int(sqlite3_column_bytes(handle, column))
                if let blob = sqlite3_column_blob(handle, column), length > 0 {
                    values.append(.blob(Array(UnsafeRawBufferPointer(start: blob, count: length))))
                } else {
                    values.append(.blob([]))
                }
            default:
                values.append(.null)
            }
        }
        return Row(values: values)
    }
}

/// The current row of a stepping statement, read column by column without materialising the row.
struct RowCursor {
    fileprivate let handle: OpaquePointer?

    func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }

    /// The column as text (SQLite converts numbers); "" for NULL.
    func string(_ column: Int32) -> String {
        guard let text = sqlite3_column_text(handle, column) else { return "" }
        let length = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: length), as: UTF8.self)
    }
}
