import Foundation
import Synchronization

/// Users in SQLite, with scrypt-hashed passwords. Hashing runs on `hashing` (the server's bounded hashing
/// threads), never on the database's threads, so a flood of logins cannot hold up reads and writes.
final class SQLiteUserStore: UserStore {
    private let database: Database
    private let hasher: PasswordHasher
    private let hashing: any BlockingExecutor
    /// A hash to verify against when the user does not exist, so unknown users cost the same time.
    private let decoyHash: Mutex<String?> = Mutex(nil)

    init(database: Database, hasher: PasswordHasher, hashing: any BlockingExecutor) {
        self.database = database
        self.hasher = hasher
        self.hashing = hashing
    }

    func createUser(name: String, password: String) async throws {
        try Self.validate(name: name)
        let hasher = self.hasher
        let hash = try await hashing.run { try hasher.hash(password) }
        try await insert(name: name, hash: hash)
    }

    func importUser(name: String, passwordHash: String) async throws {
        try Self.validate(name: name)
        guard PasswordHasher.canVerify(passwordHash) else {
            throw StorageError.invalidValue("the password hash is not an scrypt or supported crypt hash")
        }
        try await insert(name: name, hash: passwordHash)
    }

    private func insert(name: String, hash: String) async throws {
        let now = Date().timeIntervalSince1970
        try await database.write { connection in
            guard try connection.query("SELECT 1 FROM users WHERE name = ?", name).isEmpty else {
                throw StorageError.alreadyExists("user \(name)")
            }
            try connection.run(
                "INSERT INTO users (name, password_hash, created_at, updated_at) VALUES (?, ?, ?, ?)",
                name, hash, now, now)
        }
    }

    func deleteUser(name: String) async throws -> Bool {
        try await database.write { connection in
            try connection.run("DELETE FROM users WHERE name = ?", name)
            return connection.changes > 0
        }
    }

    func listUsers() async throws -> [UserRecord] {
        try await database.read { connection in
            try connection.query("SELECT name, created_at FROM users ORDER BY name").map {
                UserRecord(name: $0.string(0), createdAt: Date(timeIntervalSince1970: $0.double(1)))
            }
        }
    }

    func changePassword(name: String, newPassword: String) async throws -> Bool {
        let hasher = self.hasher
        let hash = try await hashing.run { try hasher.hash(newPassword) }
        return try await database.write { connection in
            try connection.run(
                "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ?",
                hash, Date().timeIntervalSince1970, name)
            return connection.changes > 0
        }
    }

    func passwordStamp(name: String) async throws -> String? {
        // The stored hash itself: a new password, a re-hash or a re-created user all change it.
        try await database.read { connection in
            try connection.query("SELECT password_hash FROM users WHERE name = ?", name).first?.string(0)
        }
    }

    func verify(name: String, password: [UInt8]) async throws -> PasswordCheck {
        let stored = try await database.read { connection in
            try connection.query("SELECT password_hash FROM users WHERE name = ?", name).first?.string(0)
        }
        guard let stored else {
            // Cost an unknown user what a real one costs: check against a real user's stored hash (the answer is
            // "invalid" whatever it says), picked by the name so one unknown name always costs the same; with no
            // users, against a decoy at the configured cost.
            let pick = Int64(name.utf8.reduce(UInt32(2_166_136_261)) { ($0 ^ UInt32($1)) &* 16_777_619 })
            let sample = try await database.read { connection in
                try connection.query(
                    "SELECT password_hash FROM users ORDER BY id LIMIT 1 OFFSET ? % max(1, (SELECT count(*) FROM users))",
                    pick
                ).first?.string(0)
            }
            let against: String
            if let sample { against = sample } else { against = try await decoy() }
            let hasher = self.hasher
            _ = try await hashing.run { hasher.verify(password, against: against) }
            return .invalid
        }
        let hasher = self.hasher
        let (valid, upgraded) = try await hashing.run {
            guard hasher.verify(password, against: stored) else { return (false, String?.none) }
            return (true, hasher.needsRehash(stored) ? try hasher.hash(password) : nil)
        }
        guard valid else { return .invalid }
        if let upgraded {
            try await database.write { connection in
                // Only replace the hash we verified: a concurrent password change wins.
                try connection.run(
                    "UPDATE users SET password_hash = ?, updated_at = ? WHERE name = ? AND password_hash = ?",
                    upgraded, Date().timeIntervalSince1970, name, stored)
            }
        }
        return .valid
    }

    private func decoy() async throws -> String {
        if let hash = decoyHash.withLock({ $0 }) { return hash }
        let hash = try hasher.hash("decoy password for unknown users")
        decoyHash.withLock { $0 = hash }
        return hash
    }

    static func validate(name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 64 else {
            throw StorageError.invalidValue("a user name has 1 to 64 octets")
        }
        guard !name.hasPrefix("."), !name.contains("/"),
            name.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F && $0 != ":" })
        else {
            throw StorageError.invalidValue(
                "a user name may not start with '.', nor contain '/', ':', spaces or control characters")
        }
    }
}
