import Dispatch
import Storage
import Synchronization

/// A user store that parks its first gated call until the test opens it, to replay a verification racing a change.
final class GatedUserStore: UserStore {
    enum Gate: Sendable {
        /// `verify` has checked the password against the stored hash but not yet returned.
        case afterVerify
        /// `changePassword` has been called but has not yet written the new hash.
        case beforeChange
    }

    private let store: any UserStore
    private let gate: Gate
    /// Signalled once the gated call is parked.
    let reachedGate = DispatchSemaphore(value: 0)
    private let opened = DispatchSemaphore(value: 0)
    /// Only the first gated call parks; later ones pass straight through.
    private let armed = Atomic<Bool>(true)

    init(wrapping store: any UserStore, gate: Gate) {
        self.store = store
        self.gate = gate
    }

    func open() { opened.signal() }

    private func park() {
        guard armed.exchange(false, ordering: .acquiringAndReleasing) else { return }
        reachedGate.signal()
        opened.wait()
    }

    func verify(name: String, password: String) throws -> PasswordCheck {
        let result = try store.verify(name: name, password: password)
        if gate == .afterVerify { park() }
        return result
    }

    func changePassword(name: String, newPassword: String) throws -> Bool {
        if gate == .beforeChange { park() }
        return try store.changePassword(name: name, newPassword: newPassword)
    }

    func createUser(name: String, password: String) throws { try store.createUser(name: name, password: password) }

    func passwordStamp(name: String) throws -> String? { try store.passwordStamp(name: name) }

    func importUser(name: String, passwordHash: String) throws {
        try store.importUser(name: name, passwordHash: passwordHash)
    }

    func deleteUser(name: String) throws -> Bool { try store.deleteUser(name: name) }

    func listUsers() throws -> [UserRecord] { try store.listUsers() }
}

/// Hands a verification's result from the thread that ran it to the test.
final class ResultBox: Sendable {
    private let result = Mutex<Result<PasswordCheck, any Error>?>(nil)

    func set(_ value: Result<PasswordCheck, any Error>) { result.withLock { $0 = value } }

    func get() throws -> PasswordCheck {
        guard let value = result.withLock({ $0 }) else { throw TestFailure("no result") }
        return try value.get()
    }
}
