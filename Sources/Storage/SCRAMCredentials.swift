import Foundation

/// What SCRAM-SHA-256 needs of a user: the salt and iteration count all their verifiers share, and the verifiers.
public struct SCRAMCredentials: Sendable, Equatable {
    public var salt: [UInt8]
    public var iterations: Int
    public var verifiers: [SCRAMVerifier]

    public init(salt: [UInt8], iterations: Int, verifiers: [SCRAMVerifier]) {
        self.salt = salt
        self.iterations = iterations
        self.verifiers = verifiers
    }
}

/// SCRAM verifiers beside the scrypt hashes: written from a password that was just accepted or set, never from a
/// hash. Implemented by both user stores.
public protocol SCRAMStore: Sendable {
    /// The user's salt, iterations and verifiers; nil when the user is unknown or has no salt yet.
    func scramCredentials(user: String) async throws -> SCRAMCredentials?
    /// Keeps a verifier of `password` for `user` (creating the user's salt with `iterations` if there is none);
    /// an app password's when `password` has the shape and lookup key of one of the user's app passwords.
    func keepSCRAMVerifier(user: String, password: [UInt8], iterations: Int) async throws
    /// Drops the verifier of the user's password (not the app passwords'): called when the password changes.
    func forgetSCRAMPasswordVerifier(user: String) async throws
    /// The server secret that derives unknown users' fake salts, created at first use.
    func scramSecret() async throws -> [UInt8]
}

/// Column encoding shared by both backends (base64 text, readable in `sqlite3` and `psql`).
public enum SCRAMColumn {
    public static func encode(_ bytes: [UInt8]) -> String { Data(bytes).base64EncodedString() }
    public static func decode(_ text: String) -> [UInt8] { Array(Data(base64Encoded: text) ?? Data()) }

    public static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }
}
