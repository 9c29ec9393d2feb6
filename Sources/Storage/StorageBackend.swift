/// An open storage backend (SQLite or PostgreSQL): its stores, what opening did to the schema, and how to close it.
public protocol StorageBackend: Sendable {
    var stores: Stores { get }
    /// What opening did to the schema; `wasNew` when this open created it.
    var migrationReport: MigrationReport { get }
    /// Closes connections and stops threads the backend made, after the last store call has returned.
    func shutdown() async
}

extension StorageBackend {
    /// Which seed defaults still work: the server warns at every start while one does.
    public func defaultCredentialsInUse() async throws -> (user: Bool, token: Bool) {
        // A plain check: unlike a login, it must not re-hash (and so change) the stored password at start-up.
        // The stamp is the stored hash, followed by the app passwords' ids when there are any.
        let stored = try await stores.users.passwordStamp(name: SeedDefaults.userName)?
            .split(separator: " ").first.map(String.init)
        let user = stored.map { PasswordHasher().verify(SeedDefaults.password, against: $0) } ?? false
        let token = try await stores.tokens.admin(forToken: SeedDefaults.adminToken) != nil
        return (user, token)
    }
}
