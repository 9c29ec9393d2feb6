import Crypto
import Foundation
import Storage
import Synchronization

/// Remembers successful password verifications for a short time, so a client that logs in every minute does not
/// pay for scrypt every time. Keyed by user and an HMAC of the password under a per-process random key: the
/// password itself is never kept. Password changes and deletions through this store drop the entry at once.
final class CachingUserStore: UserStore {
    private struct Entry {
        let digest: [UInt8]
        let expires: ContinuousClock.Instant
    }

    private let store: any UserStore
    private let lifetime: Duration
    private let key = SymmetricKey(size: .bits256)
    private let entries = Mutex<[String: Entry]>([:])
    /// Bumped on every change of a user, so a verification that started before the change is not cached after it.
    private let generation = Atomic<Int>(0)
    private let hitCount = Atomic<Int>(0)
    private let verifyCount = Atomic<Int>(0)
    private static let maximumEntries = 100_000

    init(wrapping store: any UserStore, lifetime: Duration) {
        self.store = store
        self.lifetime = lifetime
    }

    /// Logins answered from the cache, and logins that ran the KDF (for logs and tests).
    var statistics: (hits: Int, verifications: Int) {
        (hitCount.load(ordering: .relaxed), verifyCount.load(ordering: .relaxed))
    }

    /// True when `verify` would answer from the cache (no KDF): lets the caller skip the hashing queue.
    func isCached(name: String, password: String) -> Bool {
        guard lifetime > .zero else { return false }
        let digest = self.digest(name: name, password: password)
        let now = ContinuousClock.now
        return entries.withLock { entries in
            guard let entry = entries[name], entry.expires > now else { return false }
            return entry.digest == digest
        }
    }

    func verify(name: String, password: String) throws -> PasswordCheck {
        if isCached(name: name, password: password) {
            hitCount.add(1, ordering: .relaxed)
            return .valid
        }
        verifyCount.add(1, ordering: .relaxed)
        let startedAt = generation.load(ordering: .acquiring)
        let result = try store.verify(name: name, password: password)
        if result == .valid, lifetime > .zero {
            let entry = Entry(digest: digest(name: name, password: password), expires: .now + lifetime)
            entries.withLock { entries in
                guard generation.load(ordering: .acquiring) == startedAt else { return }
                if entries.count >= Self.maximumEntries { entries.removeAll(keepingCapacity: true) }
                entries[name] = entry
            }
        }
        return result
    }

    func createUser(name: String, password: String) throws {
        try store.createUser(name: name, password: password)
    }

    func importUser(name: String, passwordHash: String) throws {
        try store.importUser(name: name, passwordHash: passwordHash)
    }

    func deleteUser(name: String) throws -> Bool {
        forget(name)
        defer { forget(name) }  // also invalidates verifications that started during the change
        return try store.deleteUser(name: name)
    }

    func listUsers() throws -> [UserRecord] {
        try store.listUsers()
    }

    func changePassword(name: String, newPassword: String) throws -> Bool {
        forget(name)
        defer { forget(name) }  // also invalidates verifications that started during the change
        return try store.changePassword(name: name, newPassword: newPassword)
    }

    private func forget(_ name: String) {
        entries.withLock { entries in
            generation.add(1, ordering: .releasing)
            entries.removeValue(forKey: name)
        }
    }

    private func digest(name: String, password: String) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array(name.utf8))
        hmac.update(data: [0])
        hmac.update(data: Array(password.utf8))
        return Array(hmac.finalize())
    }
}
