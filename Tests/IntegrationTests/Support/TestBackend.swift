import Testing

/// The database engine a test run's servers use. The environment chooses it (see `PostgresTestServer`): with a
/// PostgreSQL test server named, every workspace gets a database of its own on it; otherwise a SQLite file.
enum TestBackend: String, Sendable, CustomStringConvertible {
    case sqlite
    case postgresql

    static let current: TestBackend = PostgresTestServer.configured == nil ? .sqlite : .postgresql

    var description: String { rawValue }
}

extension Trait where Self == ConditionTrait {
    /// For tests about the SQLite database file itself (its locks, backups, path, pages or file modes): a
    /// PostgreSQL database has no such file, so they run on SQLite only. `what` says which part of the file.
    static func sqliteOnly(_ what: String) -> Self {
        .enabled(
            if: TestBackend.current == .sqlite,
            Comment(rawValue: "SQLite only: about the SQLite database file (\(what))"))
    }

    /// For tests of what only a shared PostgreSQL database does (several pop3d nodes on one database).
    static var postgresqlOnly: Self {
        .enabled(
            if: TestBackend.current == .postgresql,
            "PostgreSQL only: set POP3D_TEST_POSTGRES_URL and POP3D_TEST_POSTGRES_PASSWORD_FILE (scripts/test-postgresql.sh)"
        )
    }
}
