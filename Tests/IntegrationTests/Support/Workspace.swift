import Foundation
import Logging
import PostgresStorage
import Storage

/// One test's private folder (the maildir and scratch files) and database; both removed when the test ends. The
/// database is a SQLite file in the folder, or, when the environment names a PostgreSQL test server, a database of
/// the workspace's own on it (see `TestBackend`).
final class Workspace: Sendable {
    let root: URL
    let maildir: MaildirFixture
    let backend: TestBackend
    /// The node name of the servers started on this workspace: a restart keeps it, as a host's pop3d does (journal
    /// recovery only touches its own node's rows).
    let nodeName: String
    private let postgres: PostgresWorkspaceDatabases?

    init(backend: TestBackend = .current) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pop3d-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        maildir = MaildirFixture(root: root.appendingPathComponent("maildir"))
        try FileManager.default.createDirectory(at: maildir.root, withIntermediateDirectories: true)
        self.backend = backend
        nodeName = "node-" + UUID().uuidString.prefix(8).lowercased()
        switch backend {
        case .sqlite:
            postgres = nil
        case .postgresql:
            guard let server = PostgresTestServer.configured else {
                throw IntegrationError("no PostgreSQL test server: set \(PostgresTestServer.urlVariable)")
            }
            postgres = PostgresWorkspaceDatabases(server: server)
        }
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    /// The SQLite database file (the database on the SQLite backend; tests about the file itself use it).
    var databasePath: String { path("pop3d.sqlite") }

    /// What `--database` names: the SQLite file, or the workspace's PostgreSQL database's URL.
    var database: String {
        guard let postgres else { return databasePath }
        return (try? postgres.server.url(database: postgres.main)) ?? postgres.main
    }

    /// Options a pop3d on this workspace's database needs besides `--database`: for PostgreSQL the password file, the
    /// node name and a small pool (tests run side by side on one server).
    func databaseOptions(nodeName: String) -> [String] {
        guard let postgres else { return [] }
        return [
            "--database-password-file", postgres.server.passwordFile, "--node-name", nodeName,
            "--database-connections", "3",
        ]
    }

    /// The file a new database's random admin token is written to (the working folder is the workspace).
    var adminTokenFile: String {
        guard let postgres else { return databasePath + ".admin-token" }
        return path("pop3d-\(postgres.main).admin-token")
    }

    /// PostgreSQL: runs `sql` from the server's maintenance database, for what cannot run inside the workspace's own
    /// (ALTER DATABASE on it, pg_terminate_backend of pop3d's connections to it). `{database}` in `sql` is replaced by
    /// the workspace database's name.
    func serverQuery(_ sql: String) async throws -> [String] {
        guard let postgres else { throw IntegrationError("serverQuery needs the PostgreSQL backend") }
        try await postgres.prepare()
        return try await postgres.server.psql(
            sql.replacingOccurrences(of: "{database}", with: postgres.main), database: nil)
    }

    /// The column holding a POP3 user name in the history tables and views (`user` is reserved in PostgreSQL).
    var userColumn: String { backend == .sqlite ? "user" : "user_name" }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// Makes sure the database exists (a PostgreSQL database is created at its first use); pop3d creates the schema.
    func prepareDatabase() async throws {
        try await postgres?.prepare()
    }

    /// Creates the database with the quick-start credentials (user foo/bar, the seed admin token, as pop3d's
    /// `--quick-start-credentials` would) and adds `users`, hashed at `cost` (by default the low test cost).
    /// The storage is closed again before pop3d opens the database.
    func createUsers(_ users: [String: String], cost: Int = 10) async throws {
        try await withStores(firstRun: .quickStart, cost: cost) { stores in
            for (name, password) in users.sorted(by: { $0.key < $1.key }) {
                try await stores.users.createUser(name: name, password: password)
            }
        }
    }

    /// Opens the database as pop3d would (creating the schema when it is new, with `firstRun`'s credentials), runs
    /// `body` on its stores and closes it again. The storage hashes on threads of its own, so no test task is held
    /// up meanwhile.
    func withStores<Result: Sendable>(
        firstRun: FirstRunCredentials = .none, cost: Int = 10, _ body: (Stores) async throws -> Result
    ) async throws -> Result {
        let storage: any StorageBackend
        if let postgres {
            try await postgres.prepare()
            var options = PostgresStorage.Options(password: try postgres.server.password(), node: "test-setup")
            options.passwordCost = cost
            options.maximumConnections = 2
            storage = try await PostgresStorage.open(
                try PostgresLocation(url: database), options: options, firstRun: firstRun,
                logger: Logger(label: "test-setup"))
        } else {
            storage = try SQLiteStorage(path: databasePath, passwordCost: cost, firstRun: firstRun)
        }
        do {
            let result = try await body(storage.stores)
            await storage.shutdown()
            return result
        } catch {
            await storage.shutdown()
            throw error
        }
    }

    /// Options that give a second pop3d a database of its own, a copy of this one, for tests that run two servers
    /// side by side on one maildir. Call it before starting a server (nothing may use the database meanwhile).
    func separateDatabase(_ name: String) async throws -> [String] {
        if let postgres {
            return ["--database", try postgres.server.url(database: try await postgres.copy())]
        }
        let copy = path(name)
        let result = try await ExternalCommand.run("sqlite3", [databasePath, "VACUUM INTO '\(copy)'"], timeout: 20)
        guard result.status == 0 else { throw IntegrationError("cannot copy the database: \(result)") }
        return ["--database", copy]
    }

    /// Writes a scratch file (client configuration, script) with the given permissions.
    @discardableResult
    func writeFile(_ name: String, _ text: String, permissions: Int = 0o644) throws -> String {
        let file = path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        try FileManager.default.setAttributes([.posixPermissions: permissions], ofItemAtPath: file)
        return file
    }

    /// Asks `sql` again until it returns at least one row (a sampler's write, a session row), then returns the rows;
    /// the rows so far (empty) once `timeout` seconds have passed.
    func waitForRows(_ sql: String, timeout: Double = 30) async throws -> [String] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let rows = try await query(sql)
            if !rows.isEmpty || Date() >= deadline { return rows }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Answers a query with the database's own shell (sqlite3 or psql), one row per line, columns split by `|`,
    /// NULL as an empty field. The SQL must be one both engines accept; see `query(sqlite:postgresql:)`.
    func query(_ sql: String) async throws -> [String] {
        try await query(sqlite: sql, postgresql: sql)
    }

    /// Answers the query written for this workspace's backend.
    func query(sqlite: String, postgresql: String) async throws -> [String] {
        if let postgres {
            try await postgres.prepare()
            return try await postgres.server.psql(postgresql, database: postgres.main)
        }
        let result = try await ExternalCommand.run("sqlite3", ["-batch", databasePath, sqlite], timeout: 20)
        guard result.status == 0 else { throw IntegrationError("sqlite3 failed: \(result)") }
        return result.output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// PostgreSQL: writes the database out as SQL text (pg_dump), for a test that reads everything it holds.
    func dumpDatabase(to file: String) async throws -> CommandResult {
        guard let postgres else { throw IntegrationError("a SQLite database is its file: read that") }
        return try await postgres.server.dump(database: postgres.main, to: file)
    }

    /// PostgreSQL: the database refuses new connections and ends those it has, as if its server had gone away.
    func cutOffDatabase() async throws {
        guard let postgres else { throw IntegrationError("a SQLite file cannot be cut off") }
        try await postgres.prepare()
        _ = try await postgres.server.psql(
            "ALTER DATABASE \"\(postgres.main)\" ALLOW_CONNECTIONS false; "
                + "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(postgres.main)'",
            database: nil)
    }

    /// Inserts deletion-journal rows as a server of node `node` (by default this workspace's) would have left them.
    func insertJournalRows(
        _ rows: [(session: String, user: String, baseName: String, fileName: String, state: String)],
        node: String? = nil
    ) async throws {
        let values = rows.map { row in
            "'\(row.session)', '\(row.user)', '\(row.baseName)', '\(row.fileName)', '\(row.state)', 1, 1"
        }
        let columns = "session, \(userColumn), base_name, file_name, state, created_at, updated_at"
        _ = try await query(
            sqlite: "INSERT INTO deletion_journal (\(columns)) VALUES "
                + values.map { "(\($0))" }.joined(separator: ", "),
            postgresql: "INSERT INTO deletion_journal (\(columns), node) VALUES "
                + values.map { "(\($0), '\(node ?? nodeName)')" }.joined(separator: ", "))
    }
}
