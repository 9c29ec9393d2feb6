import Foundation
import Logging
import PostgresNIO
import PostgresStorage
import Storage

/// The PostgreSQL server the test environment names: `POP3D_TEST_POSTGRES_URL` (a server URL whose database is
/// `postgres`) and `POP3D_TEST_POSTGRES_PASSWORD_FILE`. Each test gets a database of its own on it, created through a
/// connection to the given URL and dropped when the test is done.
struct PostgresTestServer: Sendable {
    /// The server's `postgres` database, where test databases are created and dropped.
    let location: PostgresLocation
    let password: String

    /// The configured server, or nil when the environment names none (store tests then run on SQLite only). A URL
    /// without a readable password file is an error the PostgreSQL cases report, never a silent skip.
    static let configured: Result<PostgresTestServer, any Error>? = {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment["POP3D_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return Result {
            guard let file = environment["POP3D_TEST_POSTGRES_PASSWORD_FILE"], !file.isEmpty else {
                throw StorageError.invalidValue(
                    "POP3D_TEST_POSTGRES_URL is set but POP3D_TEST_POSTGRES_PASSWORD_FILE is not")
            }
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let password = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? ""
            return PostgresTestServer(location: try PostgresLocation(url: url), password: password)
        }
    }()

    /// The configured server; throws when the environment names none or names it wrongly.
    static func required() throws -> PostgresTestServer {
        guard let configured else {
            throw StorageError.invalidValue("no PostgreSQL test server: set POP3D_TEST_POSTGRES_URL")
        }
        return try configured.get()
    }

    static let logger = Logger(label: "pop3d.storage-tests", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Creates an empty database with a name of its own and returns where it is.
    func createDatabase() async throws -> PostgresLocation {
        let name = "pop3d_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        _ = try await withConnection(to: location) { connection in
            try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \"\(name)\""), logger: Self.logger)
        }
        var database = location
        database.database = name
        return database
    }

    /// Drops a test database, ending the sessions still connected to it; best effort.
    func dropDatabase(_ name: String) async {
        _ = try? await withConnection(to: location) { connection in
            try await connection.query(
                PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)"), logger: Self.logger)
        }
    }

    /// Runs `body` on a connection of its own to `database`, closed afterwards.
    func withConnection<Value: Sendable>(
        to database: PostgresLocation, _ body: (PostgresConnection) async throws -> Value
    ) async throws -> Value {
        var configuration = PostgresConnection.Configuration(
            host: database.host, port: database.port, username: database.user, password: password,
            database: database.database, tls: .disable)
        if database.isSocket {
            configuration = PostgresConnection.Configuration(
                unixSocketPath: "\(database.host)/.s.PGSQL.\(database.port)", username: database.user,
                password: password, database: database.database)
        }
        let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: Self.logger)
        do {
            let value = try await body(connection)
            try? await connection.close()
            return value
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// A pool of the tests' own connections to `database` (not the storage's), for reading rows behind the stores.
    /// The test server is on this machine, so these connections go without TLS.
    func client(for database: PostgresLocation) -> PostgresClient {
        var configuration = PostgresClient.Configuration(
            host: database.host, port: database.port, username: database.user, password: password,
            database: database.database, tls: .disable)
        if database.isSocket {
            configuration = PostgresClient.Configuration(
                unixSocketPath: "\(database.host)/.s.PGSQL.\(database.port)", username: database.user,
                password: password, database: database.database)
        }
        configuration.options.maximumConnections = 2
        return PostgresClient(configuration: configuration, backgroundLogger: Self.logger)
    }
}
