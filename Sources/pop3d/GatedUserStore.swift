import Storage

/// The user store behind a `LoginGate`: password checks wait until root privileges are dropped; every other
/// call passes straight through.
struct GatedUserStore: UserStore {
    let store: any UserStore
    let gate: LoginGate

    func verify(name: String, password: String) throws -> PasswordCheck {
        try gate.waitUntilOpen()
        return try store.verify(name: name, password: password)
    }

    func passwordStamp(name: String) throws -> String? {
        try store.passwordStamp(name: name)
    }

    func createUser(name: String, password: String) throws {
        try store.createUser(name: name, password: password)
    }

    func importUser(name: String, passwordHash: String) throws {
        try store.importUser(name: name, passwordHash: passwordHash)
    }

    @discardableResult func deleteUser(name: String) throws -> Bool {
        try store.deleteUser(name: name)
    }

    func listUsers() throws -> [UserRecord] {
        try store.listUsers()
    }

    @discardableResult func changePassword(name: String, newPassword: String) throws -> Bool {
        try store.changePassword(name: name, newPassword: newPassword)
    }
}
