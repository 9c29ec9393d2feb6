import Synchronization

/// The hashing half of a user store, the same for every backend: hashes new passwords and checks a login against
/// the stored hash on the hashing threads (never on a database's), so a flood of logins cannot hold up reads and
/// writes, and makes an unknown user cost what a known one costs.
public final class PasswordVerifier: Sendable {
    private let hasher: PasswordHasher
    private let hashing: any BlockingExecutor
    /// A hash to verify against when there is no user at all.
    private let decoyHash: Mutex<String?> = Mutex(nil)

    public init(hasher: PasswordHasher, hashing: any BlockingExecutor) {
        self.hasher = hasher
        self.hashing = hashing
    }

    /// A new hash of `password` at the configured cost.
    public func hash(_ password: String) async throws -> String {
        let hasher = self.hasher
        return try await hashing.run { try hasher.hash(password) }
    }

    /// Whether `password` matches `hash` (an app password's), checked on the hashing threads.
    public func matches(_ password: [UInt8], hash: String) async throws -> Bool {
        let hasher = self.hasher
        return try await hashing.run { hasher.verify(password, against: hash) }
    }

    /// Which stored user an unknown `name` is checked against: always the same one for one name, so one unknown
    /// name always costs the same. The backend takes this row (modulo the number of users) in id order.
    public static func decoyOffset(for name: String) -> Int64 {
        Int64(name.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 })
    }

    /// Checks `password` against `stored`, the user's hash (nil for an unknown user, who is checked against
    /// `sample`, a real user's hash, or a decoy when there is none, and always refused). A valid password whose
    /// hash is below the configured cost comes back with a new hash to store in place of `stored`.
    public func check(_ password: [UInt8], stored: String?, sample: () async throws -> String?) async throws
        -> (check: PasswordCheck, rehashed: String?)
    {
        let hasher = self.hasher
        guard let stored else {
            let against: String
            if let sampled = try await sample() { against = sampled } else { against = try decoy() }
            _ = try await hashing.run { hasher.verify(password, against: against) }
            return (.invalid, nil)
        }
        let (valid, upgraded) = try await hashing.run {
            guard hasher.verify(password, against: stored) else { return (false, String?.none) }
            return (true, hasher.needsRehash(stored) ? try hasher.hash(password) : nil)
        }
        return (valid ? .valid : .invalid, upgraded)
    }

    private func decoy() throws -> String {
        if let hash = decoyHash.withLock({ $0 }) { return hash }
        let hash = try hasher.hash("decoy password for unknown users")
        decoyHash.withLock { $0 = hash }
        return hash
    }
}
