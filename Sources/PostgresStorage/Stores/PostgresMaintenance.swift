import PostgresNIO
import Storage

/// Whole-database jobs on PostgreSQL: its size; backups are PostgreSQL's own tools' job.
final class PostgresMaintenance: DatabaseMaintenance {
    private let pool: PostgresPool

    init(pool: PostgresPool) {
        self.pool = pool
    }

    func backup(to path: String) async throws {
        throw StorageError.invalidValue(
            "pop3d's backup writes a SQLite file; back a PostgreSQL database up with pg_dump (or the server's own "
                + "continuous archiving)")
    }

    func sizeInBytes() async throws -> UInt64 {
        let size = try await pool.rows("SELECT pg_database_size(current_database())").first?.decode(Int64.self)
        return UInt64(max(0, size ?? 0))
    }
}
