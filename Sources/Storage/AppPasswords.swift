public import Foundation

/// A user's app password as listed: never the secret.
public struct AppPasswordRecord: Sendable, Equatable {
    public var label: String
    public var createdAt: Date
    /// The last login that checked it against its hash (a login the auth cache answered is not counted).
    public var lastUsedAt: Date?

    public init(label: String, createdAt: Date, lastUsedAt: Date?) {
        self.label = label
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}

/// Named, separately revocable passwords of a user, for one device or program each. They are generated (never
/// chosen), stored as scrypt hashes like passwords, and accepted wherever the user's password is.
public protocol AppPasswordStore: Sendable {
    /// Generates an app password for `user` under `label` and returns it: the only time it is seen. Throws
    /// `StorageError.invalidValue` for an unknown user and `.alreadyExists` when the user has that label.
    func addAppPassword(user: String, label: String) async throws -> String
    /// The user's app passwords, by label; nil for an unknown user.
    func listAppPasswords(user: String) async throws -> [AppPasswordRecord]?
    /// Removes one; false when the user has no such label. It stops working at once (the auth cache's stamp
    /// changes with it).
    @discardableResult func revokeAppPassword(user: String, label: String) async throws -> Bool
}

/// The shape of a generated app password: four groups of four characters from an alphabet without look-alikes
/// (31^16, about 2^79). The first group is stored in clear as a lookup key, so a login checks at most one app
/// password's hash, not every one the user has.
public enum AppPasswordFormat {
    static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")
    static let groups = 4
    static let groupLength = 4
    /// App passwords one user may have: a bound on the rows and on a listing.
    public static let maximumPerUser = 100

    /// A new random app password.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<groups).map { _ in
            String((0..<groupLength).map { _ in alphabet.randomElement(using: &generator)! })
        }.joined(separator: "-")
    }

    /// The lookup key of a candidate, or nil when it does not have an app password's shape.
    public static func lookup(of candidate: [UInt8]) -> String? {
        guard candidate.count == groups * groupLength + groups - 1 else { return nil }
        let text = String(decoding: candidate, as: UTF8.self)
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == groups,
            parts.allSatisfy({ $0.count == groupLength && $0.allSatisfy { alphabet.contains($0) } })
        else { return nil }
        return String(parts[0])
    }

    /// A label: 1 to 64 printable characters.
    public static func validateLabel(_ label: String) throws {
        guard !label.isEmpty, label.utf8.count <= 64,
            label.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else {
            throw StorageError.invalidValue("an app password label has 1 to 64 printable characters")
        }
    }
}
