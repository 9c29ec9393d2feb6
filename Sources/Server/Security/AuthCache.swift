import Crypto
import Foundation
public import Storage
import Synchronization

/// Remembers successful password verifications for a short time, so a client that logs in every minute does not
/// pay for scrypt every time. Keyed by user and an HMAC of the password under a per-process random key: the
/// password itself is never kept. Password changes and deletions through this store drop the entry at once.
public final class CachingUserStore: UserStore {
    private struct Entry {
        let digest: [UInt8]
        /// The store's password stamp when this was verified: another process's change makes it stale.
        let stamp: String
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

    /// The clock entries expire by; tests pass one they move by hand.
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(
        wrapping store: any UserStore, lifetime: Duration,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }
    ) {
        self.store = store
        self.lifetime = lifetime
        self.now = now
    }

    /// Logins answered from the cache, and logins that ran the KDF (for logs and tests).
    var statistics: (hits: Int, verifications: Int) {
        (hitCount.load(ordering: .relaxed), verifyCount.load(ordering: .relaxed))
    }

    /// True when a fresh entry matches this password (memory only; `verify` also checks the stored stamp).
    func isCached(name: String, password: String) -> Bool {
        cachedEntry(name: name, password: Array(password.utf8)) != nil
    }

    /// True when the cache may answer: a fresh matching entry whose stamp still equals the stored one (one
    /// indexed read), so a cached login skips the hashing queue.
    func verifyFromCache(name: String, password: [UInt8]) async throws -> Bool {
        guard let entry = cachedEntry(name: name, password: password) else { return false }
        guard try await store.passwordStamp(name: name) == entry.stamp else {
            forget(name)
            return false
        }
        hitCount.add(1, ordering: .relaxed)
        return true
    }

    public func verify(name: String, password: [UInt8]) async throws -> PasswordCheck {
        if try await verifyFromCache(name: name, password: password) { return .valid }
        verifyCount.add(1, ordering: .relaxed)
        let startedAt = generation.load(ordering: .acquiring)
        let stamp = lifetime > .zero ? try await store.passwordStamp(name: name) : nil
        let result = try await store.verify(name: name, password: password)
        if result == .valid, let stamp {
            let entry = Entry(digest: digest(name: name, password: password), stamp: stamp, expires: now() + lifetime)
            entries.withLock { entries in
                guard generation.load(ordering: .acquiring) == startedAt else { return }
                if entries.count >= Self.maximumEntries { entries.removeAll(keepingCapacity: true) }
                entries[name] = entry
            }
        }
        return result
    }

    public func passwordStamp(name: String) async throws -> String? {
        try await store.passwordStamp(name: name)
    }

    private func cachedEntry(name: String, password: [UInt8]) -> Entry? {
        guard lifetime > .zero else { return nil }
        let digest = self.digest(name: name, password: password)
        let time = now()
        return entries.withLock { entries in
            guard let entry = entries[name], entry.expires > time, entry.digest == digest else { return nil }
            return entry
        }
    }

    public func createUser(name: String, password: String) async throws {
        try await store.createUser(name: name, password: password)
    }

    public func importUser(name: String, passwordHash: String) async throws {
        try await store.importUser(name: name, passwordHash: passwordHash)
    }

    public func deleteUser(name: String) async throws -> Bool {
        forget(name)
        defer { forget(name) }  // also invalidates verifications that started during the change
        return try await store.deleteUser(name: name)
    }

    public func listUsers() async throws -> [UserRecord] {
        try await store.listUsers()
    }

    public func changePassword(name: String, newPassword: String) async throws -> Bool {
        forget(name)
        defer { forget(name) }  // also invalidates verifications that started during the change
        return try await store.changePassword(name: name, newPassword: newPassword)
    }

    private func forget(_ name: String) {
        entries.withLock { entries in
            generation.add(1, ordering: .releasing)
            entries.removeValue(forKey: name)
        }
    }

    private func digest(name: String, password: [UInt8]) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Array(name.utf8))
        hmac.update(data: [0])
        hmac.update(data: password)
        return Array(hmac.finalize())
    }
}
