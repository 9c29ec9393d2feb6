import Foundation
import PostgresNIO
import Synchronization
import Testing

@testable import PostgresStorage
@testable import Storage

/// A storage backend a store test runs against.
enum BackendKind: String, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgresql

    /// SQLite always; PostgreSQL too when the test environment names a server (`PostgresTestServer`).
    static let available: [BackendKind] = PostgresTestServer.configured == nil ? [.sqlite] : [.sqlite, .postgresql]

    var testDescription: String { rawValue }
}

/// One test's database on one backend: a SQLite file in a temporary folder, or a PostgreSQL database of its own on
/// the test server. It opens storages on that database, reads rows behind the stores' backs for facts no store
/// answers, and at the end of `with` shuts down what is still open and removes the database, however the test ended.
final class TestStorage: Sendable {
    let kind: BackendKind
    /// A folder of the test's own: the SQLite file, and files a test keeps beside the database (maildrops).
    let folder: TemporaryDirectory
    private let postgres: PostgresDatabase?
    /// Storages opened and not yet closed, oldest first.
    private let opened = Mutex<[any StorageBackend]>([])

    /// A PostgreSQL test database and the tests' own connections to it.
    private struct PostgresDatabase: Sendable {
        let server: PostgresTestServer
        let location: PostgresLocation
        let client: PostgresClient
        let runner: Task<Void, Never>
    }

    private init(kind: BackendKind) async throws {
        self.kind = kind
        folder = try TemporaryDirectory()
        switch kind {
        case .sqlite:
            postgres = nil
        case .postgresql:
            let server = try PostgresTestServer.required()
            let location = try await server.createDatabase()
            let client = server.client(for: location)
            postgres = PostgresDatabase(
                server: server, location: location, client: client, runner: Task { await client.run() })
        }
    }

    /// Runs `body` with a new, empty database on `kind`, removed afterwards.
    static func with<Value: Sendable>(
        _ kind: BackendKind, _ body: (TestStorage) async throws -> Value
    ) async throws -> Value {
        let storage = try await TestStorage(kind: kind)
        do {
            let value = try await body(storage)
            await storage.remove()
            return value
        } catch {
            await storage.remove()
            throw error
        }
    }

    /// Where the SQLite file is (SQLite only).
    var sqlitePath: String { folder.path("db.sqlite") }

    /// Where the PostgreSQL database is (PostgreSQL only).
    var postgresLocation: PostgresLocation? { postgres?.location }

    /// The PostgreSQL test server (PostgreSQL only).
    var postgresServer: PostgresTestServer? { postgres?.server }

    /// Opens a storage on the test's database, creating the schema (and `firstRun`'s credentials) when it has none.
    /// `node` names the node (SQLite stores no name, and answers metric queries with it).
    func open(
        passwordCost: Int = 10, firstRun: FirstRunCredentials = .none, node: String = "node-a"
    ) async throws -> any StorageBackend {
        let storage: any StorageBackend
        switch kind {
        case .sqlite:
            storage = try SQLiteStorage(path: sqlitePath, passwordCost: passwordCost, firstRun: firstRun, node: node)
        case .postgresql:
            guard let postgres else { throw StorageError.invalidValue("no PostgreSQL test database") }
            storage = try await PostgresStorage.open(
                postgres.location, options: options(passwordCost: passwordCost, node: node), firstRun: firstRun,
                logger: PostgresTestServer.logger)
        }
        opened.withLock { $0.append(storage) }
        return storage
    }

    /// The options `open` gives a PostgreSQL storage.
    private func options(passwordCost: Int, node: String) -> PostgresStorage.Options {
        var options = PostgresStorage.Options(password: postgres?.server.password, node: node)
        options.passwordCost = passwordCost
        // Tests run side by side, each with a database of its own; a few connections each are plenty.
        options.maximumConnections = 3
        // A debug build on a busy machine may take seconds for one large batch (50,000 index rows); the bound
        // itself is not what these tests check.
        options.requestTimeout = .seconds(60)
        return options
    }

    /// Shuts a storage down, as a server stopping would.
    func close(_ storage: any StorageBackend) async {
        opened.withLock { $0.removeAll { ($0 as AnyObject) === (storage as AnyObject) } }
        await storage.shutdown()
    }

    // MARK: - Behind the stores

    /// The column that holds a POP3 user name in tables and views: `user` is reserved in PostgreSQL.
    var userColumn: String { kind == .sqlite ? "user" : "user_name" }

    /// The rows `sql` returns, each value as text (nil for NULL): integers as digits, reals as Swift prints a
    /// `Double`, bytes in hex, PostgreSQL's dates and timestamps as Unix seconds. On SQLite it needs an open storage.
    func rows(_ sql: String) async throws -> [[String?]] {
        if let postgres {
            return try await postgres.client.query(PostgresQuery(unsafeSQL: sql), logger: PostgresTestServer.logger)
                .collect().map { row in try row.map(Self.text) }
        }
        return try await sqliteDatabase().read { connection in
            try connection.query(sql).map { row in row.values.map(Self.text) }
        }
    }

    /// The first value of the first row of `sql`, as an integer.
    func integer(_ sql: String) async throws -> Int {
        let text = try await rows(sql).first?.first ?? nil
        guard let text, let value = Int(text) else {
            throw StorageError.invalidValue("not an integer from \(sql): \(String(describing: text))")
        }
        return value
    }

    /// Rows in `table`.
    func count(_ table: String) async throws -> Int {
        try await integer("SELECT count(*) FROM \(table)")
    }

    /// Runs each statement in turn (on SQLite: on the writer connection, the one the stores write with).
    func execute(_ statements: String...) async throws {
        if let postgres {
            for statement in statements {
                try await postgres.client.query(PostgresQuery(unsafeSQL: statement), logger: PostgresTestServer.logger)
            }
            return
        }
        try await sqliteDatabase().write { connection in
            for statement in statements { try connection.execute(statement) }
        }
    }

    /// The history retention of the test's database with a limit of its own on names kept per day.
    func historyRetention(namesPerDay: Int) throws -> any HistoryRetention {
        if let postgres {
            let pool = PostgresPool(
                client: postgres.client, location: postgres.location, logger: PostgresTestServer.logger,
                timeout: .seconds(60))
            return PostgresHistoryRetention(pool: pool, namesPerDay: namesPerDay)
        }
        return SQLiteHistoryRetention(database: try sqliteDatabase(), namesPerDay: namesPerDay)
    }

    /// The newest open SQLite storage's database.
    private func sqliteDatabase() throws -> Database {
        guard let storage = opened.withLock({ $0.last }) as? SQLiteStorage else {
            throw StorageError.invalidValue("no SQLite storage is open")
        }
        return storage.database
    }

    private static func text(_ value: SQLiteValue) -> String? {
        switch value {
        case .null: return nil
        case .integer(let integer): return String(integer)
        case .real(let real): return String(real)
        case .text(let text): return text
        case .blob(let bytes): return bytes.map { String(format: "%02x", $0) }.joined()
        }
    }

    private static func text(_ cell: PostgresCell) throws -> String? {
        guard let bytes = cell.bytes else { return nil }
        switch cell.dataType {
        case .int2: return String(try cell.decode(Int16.self))
        case .int4: return String(try cell.decode(Int32.self))
        case .int8: return String(try cell.decode(Int64.self))
        case .float4, .float8: return String(try cell.decode(Double.self))
        case .numeric: return "\(try cell.decode(Decimal.self))"
        case .bool: return String(try cell.decode(Bool.self))
        case .bytea: return bytes.readableBytesView.map { String(format: "%02x", $0) }.joined()
        case .date, .timestamp, .timestamptz: return String(try cell.decode(Date.self).timeIntervalSince1970)
        default: return try cell.decode(String.self)
        }
    }

    private func remove() async {
        for storage in opened.withLock({ $0.reversed() }) { await close(storage) }
        if let postgres {
            postgres.runner.cancel()
            await postgres.runner.value
            await postgres.server.dropDatabase(postgres.location.database)
        }
    }
}
