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
    private let (parked, parkedContinuation) = AsyncStream<Void>.makeStream()
    private let opened = Latch()
    /// Only the first gated call parks; later ones pass straight through.
    private let armed = Atomic<Bool>(true)

    init(wrapping store: any UserStore, gate: Gate) {
        self.store = store
        self.gate = gate
    }

    func open() { opened.open() }

    /// Returns once the gated call is parked (suspended: no thread waits).
    func waitUntilParked() async {
        for await _ in parked { return }
    }

    private func park() async {
        guard armed.exchange(false, ordering: .acquiringAndReleasing) else { return }
        parkedContinuation.yield()
        await opened.wait()
    }

    func verify(name: String, password: [UInt8]) async throws -> PasswordCheck {
        let result = try await store.verify(name: name, password: password)
        if gate == .afterVerify { await park() }
        return result
    }

    func changePassword(name: String, newPassword: String) async throws -> Bool {
        if gate == .beforeChange { await park() }
        return try await store.changePassword(name: name, newPassword: newPassword)
    }

    func createUser(name: String, password: String) async throws {
        try await store.createUser(name: name, password: password)
    }

    func passwordStamp(name: String) async throws -> String? { try await store.passwordStamp(name: name) }

    func importUser(name: String, passwordHash: String) async throws {
        try await store.importUser(name: name, passwordHash: passwordHash)
    }

    func deleteUser(name: String) async throws -> Bool { try await store.deleteUser(name: name) }

    func listUsers() async throws -> [UserRecord] { try await store.listUsers() }
}

/// Hands a verification's result from the thread that ran it to the test.
final class ResultBox: Sendable {
    private let result = Mutex<Result<PasswordCheck, any Error>?>(nil)

    func set(_ value: Result<PasswordCheck, any Error>) { result.withLock { $0 = value } }

    /// Runs `body` and keeps what it returned or threw.
    func set(_ body: () async throws -> PasswordCheck) async {
        do { set(.success(try await body())) } catch { set(.failure(error)) }
    }

    func get() throws -> PasswordCheck {
        guard let value = result.withLock({ $0 }) else { throw TestFailure("no result") }
        return try value.get()
    }
}

/// Closed until `open()`; `wait()` suspends until then.
final class Latch: Sendable {
    private let state = Mutex<(isOpen: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let isOpen = state.withLock { state in
                if !state.isOpen { state.waiters.append(continuation) }
                return state.isOpen
            }
            if isOpen { continuation.resume() }
        }
    }
}
