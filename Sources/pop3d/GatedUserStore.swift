import Storage

/// The user store behind a `StartupGate`: password checks wait until pop3d serves (root dropped, journal
/// recovered); every other call passes straight through.
struct GatedUserStore: UserStore {
    let store: any UserStore
    let gate: StartupGate

    func verify(name: String, password: [UInt8]) async throws -> PasswordCheck {
        try await gate.waitUntilOpen()
        return try await store.verify(name: name, password: password)
    }

    func passwordStamp(name: String) async throws -> String? {
        try await store.passwordStamp(name: name)
    }

    func createUser(name: String, password: String) async throws {
        try await store.createUser(name: name, password: password)
    }

    func importUser(name: String, passwordHash: String) async throws {
        try await store.importUser(name: name, passwordHash: passwordHash)
    }

    @discardableResult func deleteUser(name: String) async throws -> Bool {
        try await store.deleteUser(name: name)
    }

    func listUsers() async throws -> [UserRecord] {
        try await store.listUsers()
    }

    @discardableResult func changePassword(name: String, newPassword: String) async throws -> Bool {
        try await store.changePassword(name: name, newPassword: newPassword)
    }
}
