import Foundation
import Storage

/// A real SQLite database at the test cost (10) in its own folder, with users alice and bob; removed on deinit.
final class TemporaryUserDatabase {
    let folder: URL
    let storage: SQLiteStorage

    var users: any UserStore { storage.stores.users }

    private init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("auth-cache-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        storage = try SQLiteStorage(path: folder.appendingPathComponent("users.sqlite").path, passwordCost: 10)
    }

    /// A database with users alice and bob.
    static func make() async throws -> TemporaryUserDatabase {
        let database = try TemporaryUserDatabase()
        try await database.users.createUser(name: "alice", password: "alice pw")
        try await database.users.createUser(name: "bob", password: "bob pw")
        return database
    }

    deinit {
        storage.close()
        try? FileManager.default.removeItem(at: folder)
    }
}
