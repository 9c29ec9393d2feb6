import Foundation
import Storage

/// One test's private folder: the maildir, the database and scratch files; removed when the test ends.
final class Workspace: Sendable {
    let root: URL
    let maildir: MaildirFixture

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pop3d-it-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        maildir = MaildirFixture(root: root.appendingPathComponent("maildir"))
        try FileManager.default.createDirectory(at: maildir.root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    var databasePath: String { path("pop3d.sqlite") }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// Creates the database with the quick-start credentials (user foo/bar, the seed admin token, as pop3d's
    /// `--quick-start-credentials` would) and adds `users`, at the low test cost.
    /// The storage is closed again before pop3d opens the file.
    func createUsers(_ users: [String: String]) async throws {
        try await Self.createUsers(users, in: databasePath)
    }

    /// Options that give a second pop3d a database of its own, a copy of this one (one pop3d serves one database),
    /// for tests that run two servers side by side on one maildir. Call it before starting a server.
    func separateDatabase(_ name: String) async throws -> [String] {
        let copy = path(name)
        let result = try await ExternalCommand.run("sqlite3", [databasePath, "VACUUM INTO '\(copy)'"], timeout: 20)
        guard result.status == 0 else { throw IntegrationError("cannot copy the database: \(result)") }
        return ["--database", copy]
    }

    /// `createUsers` for a database at `path`, hashed at `cost`.
    static func createUsers(_ users: [String: String], in path: String, cost: Int = 10) async throws {
        // The storage hashes on threads of its own, so no test task is held up meanwhile.
        let storage = try SQLiteStorage(path: path, passwordCost: cost, firstRun: .quickStart)
        defer { storage.close() }
        for (name, password) in users.sorted(by: { $0.key < $1.key }) {
            try await storage.stores.users.createUser(name: name, password: password)
        }
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
            let rows = try await sqlite(sql)
            if !rows.isEmpty || Date() >= deadline { return rows }
            try await Task.sleep(for: .milliseconds(100))
        }
    }

    /// Answers a query with the sqlite3 shell, one row per line, columns split by `|`.
    func sqlite(_ sql: String) async throws -> [String] {
        let result = try await ExternalCommand.run("sqlite3", ["-batch", databasePath, sql], timeout: 20)
        guard result.status == 0 else { throw IntegrationError("sqlite3 failed: \(result)") }
        return result.output.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }
}
