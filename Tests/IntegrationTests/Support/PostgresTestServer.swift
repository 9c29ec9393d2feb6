import Foundation

/// The PostgreSQL server the test environment names: `POP3D_TEST_POSTGRES_URL` (a server URL whose database is the
/// maintenance database, e.g. postgresql://pop3d@127.0.0.1:PORT/postgres, for a role that may create databases) and
/// `POP3D_TEST_POSTGRES_PASSWORD_FILE` (its password, the first line). Tests create and drop databases of their own
/// on it; they talk to it with psql.
struct PostgresTestServer: Sendable {
    static let urlVariable = "POP3D_TEST_POSTGRES_URL"
    static let passwordFileVariable = "POP3D_TEST_POSTGRES_PASSWORD_FILE"

    /// The server the environment names; nil without `POP3D_TEST_POSTGRES_URL` (tests then run on SQLite).
    static let configured: PostgresTestServer? = {
        let environment = ProcessInfo.processInfo.environment
        guard let url = environment[urlVariable], !url.isEmpty else { return nil }
        return PostgresTestServer(url: url, passwordFile: environment[passwordFileVariable] ?? "")
    }()

    /// The server URL as given, naming the maintenance database.
    let url: String
    let passwordFile: String

    /// The URL of `database` on this server.
    func url(database: String) throws -> String {
        guard var components = URLComponents(string: url) else {
            throw IntegrationError("\(Self.urlVariable) is not a URL: \(url)")
        }
        components.path = "/" + database
        guard let text = components.string else { throw IntegrationError("cannot name database \(database)") }
        return text
    }

    /// The password: the file's first line.
    func password() throws -> String {
        guard !passwordFile.isEmpty else {
            throw IntegrationError("\(Self.urlVariable) is set, \(Self.passwordFileVariable) is not")
        }
        let text = try String(contentsOfFile: passwordFile, encoding: .utf8)
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    /// Runs `sql` with psql on `database` (nil: the maintenance database): one row per line, columns split by `|`,
    /// NULL as an empty field, as the sqlite3 shell prints them.
    func psql(_ sql: String, database: String?) async throws -> [String] {
        let target = try database.map { try url(database: $0) } ?? url
        let result = try await ExternalCommand.run(
            "psql", ["-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", target, "-c", sql],
            environment: ["PGPASSWORD": try password(), "PGCONNECT_TIMEOUT": "10"], timeout: 60)
        guard result.status == 0 else { throw IntegrationError("psql failed on \(sql):\n\(result)") }
        return result.output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Writes `database` out as SQL text with pg_dump.
    func dump(database: String, to file: String) async throws -> CommandResult {
        try await ExternalCommand.run(
            "pg_dump", ["--no-owner", "-f", file, "-d", try url(database: database)],
            environment: ["PGPASSWORD": try password()], timeout: 60)
    }

    /// Creates an empty database, or a copy of `template` (which nobody may be connected to).
    func createDatabase(_ name: String, template: String? = nil) async throws {
        _ = try await psql(
            "CREATE DATABASE \"\(name)\"" + (template.map { " TEMPLATE \"\($0)\"" } ?? ""), database: nil)
    }

    /// Drops a database, ending the sessions still connected to it.
    func dropDatabase(_ name: String) async throws {
        _ = try await psql("DROP DATABASE IF EXISTS \"\(name)\" WITH (FORCE)", database: nil)
    }

    /// A new database name, unique to this test run and to the server: `pop3d_test_<uuid hex>`.
    static func newDatabaseName() -> String {
        "pop3d_test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}
