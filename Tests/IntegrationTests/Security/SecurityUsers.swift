/// Creates users with password hashes at a chosen cost (the workspace helper always uses the cheap test cost).
enum SecurityUsers {
    static func create(_ users: [String: String], cost: Int, in workspace: Workspace) async throws {
        try await workspace.createUsers(users, cost: cost)
    }
}
