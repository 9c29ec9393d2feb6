import Storage

/// Creates users with password hashes at a chosen cost (the workspace helper always uses the cheap test cost).
enum SecurityUsers {
    static func create(_ users: [String: String], cost: Int, in workspace: Workspace) async throws {
        let path = workspace.databasePath
        // The storage hashes on threads of its own, so no test task is held up meanwhile.
        let storage = try SQLiteStorage(path: path, passwordCost: cost)
        defer { storage.close() }
        for (name, password) in users.sorted(by: { $0.key < $1.key }) {
            try await storage.stores.users.createUser(name: name, password: password)
        }
    }
}
