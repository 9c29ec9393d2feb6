/// Errors of the storage layer, each with a message for a person.
public enum StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database file cannot be opened or is not a database.
    case cannotOpen(path: String, reason: String)
    /// The database was written by a newer pop3d than this one.
    case databaseTooNew(found: Int, known: Int)
    /// A migration failed to apply.
    case migrationFailed(version: Int, name: String, reason: String)
    /// A record with this name already exists.
    case alreadyExists(String)
    /// A value is not acceptable (empty name, bad token shape, ...).
    case invalidValue(String)
    /// SQLite reported an error.
    case sqlite(SQLiteError)
    /// A database server (PostgreSQL) failed a request or could not be reached; `isTransient` when retrying later
    /// may succeed (the connection broke, the server is shutting down or overloaded).
    case server(String, isTransient: Bool)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open database \(path): \(reason)"
        case .databaseTooNew(let found, let known):
            return "the database schema is version \(found), but this pop3d knows versions up to \(known): "
                + "it was written by a newer pop3d; run that version or restore a backup"
        case .migrationFailed(let version, let name, let reason):
            return "migration \(version) (\(name)) failed: \(reason)"
        case .alreadyExists(let name):
            return "\(name) already exists"
        case .invalidValue(let reason):
            return reason
        case .sqlite(let error):
            return error.description
        case .server(let message, _):
            return message
        }
    }

    /// True for faults that may clear by themselves (database busy, disk full, I/O error): POP3 answers [SYS/TEMP].
    public var isTransient: Bool {
        switch self {
        case .sqlite(let error): return error.isTransient
        case .cannotOpen: return true
        case .server(_, let isTransient): return isTransient
        default: return false
        }
    }
}
