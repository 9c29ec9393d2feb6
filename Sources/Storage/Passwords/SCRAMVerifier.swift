import Crypto
import _CryptoExtras

/// One password's SCRAM-SHA-256 verifier (RFC 5802, RFC 7677): what the server keeps so that a client can prove it
/// knows the password without sending it. Salt and iteration count are kept per user, beside it.
public struct SCRAMVerifier: Equatable, Sendable {
    /// H(ClientKey): checks the client's proof.
    public let storedKey: [UInt8]
    /// HMAC(SaltedPassword, "Server Key"): signs the server's final message.
    public let serverKey: [UInt8]

    public init(storedKey: [UInt8], serverKey: [UInt8]) {
        self.storedKey = storedKey
        self.serverKey = serverKey
    }

    /// The smallest and largest iteration counts accepted: RFC 7677 asks for at least 4096; the top bounds the
    /// CPU one login costs.
    public static let iterationRange = 4096...1_000_000

    /// Derives the verifier: SaltedPassword = PBKDF2-HMAC-SHA-256(password, salt, iterations). The password's UTF-8
    /// bytes are used as they are (SASLprep leaves ASCII unchanged).
    public static func derive(password: [UInt8], salt: [UInt8], iterations: Int) throws -> SCRAMVerifier {
        // The checked variant insists on 210,000 rounds; SCRAM's count is the operator's choice (default 4096).
        let salted = try KDF.Insecure.PBKDF2.deriveKey(
            from: password, salt: salt, using: .sha256, outputByteCount: SHA256.byteCount,
            unsafeUncheckedRounds: iterations)
        let clientKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Client Key".utf8), using: salted))
        let serverKey = Array(HMAC<SHA256>.authenticationCode(for: Array("Server Key".utf8), using: salted))
        return SCRAMVerifier(storedKey: Array(SHA256.hash(data: clientKey)), serverKey: serverKey)
    }

    /// True when `proof` (ClientProof = ClientKey XOR HMAC(StoredKey, AuthMessage)) was made with this verifier's
    /// password; the comparison takes the same time wherever the keys differ.
    public func accepts(proof: [UInt8], authMessage: [UInt8]) -> Bool {
        guard proof.count == SHA256.byteCount, storedKey.count == SHA256.byteCount else { return false }
        let signature = HMAC<SHA256>.authenticationCode(for: authMessage, using: SymmetricKey(data: storedKey))
        let clientKey = zip(proof, signature).map { $0 ^ $1 }
        return ConstantTime.equal(Array(SHA256.hash(data: clientKey)), storedKey)
    }

    /// ServerSignature = HMAC(ServerKey, AuthMessage), sent as `v=` so the client knows the server had the verifier.
    public func serverSignature(authMessage: [UInt8]) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: authMessage, using: SymmetricKey(data: serverKey)))
    }

    /// The verifier among `verifiers` (a user's password and app passwords) that accepts `proof`. Every one is
    /// checked, so the time does not tell which matched or how many there are to try.
    public static func matching(
        proof: [UInt8], authMessage: [UInt8], in verifiers: [SCRAMVerifier]
    ) -> SCRAMVerifier? {
        var found: SCRAMVerifier?
        for verifier in verifiers where verifier.accepts(proof: proof, authMessage: authMessage) {
            found = found ?? verifier
        }
        return found
    }

    /// A salt for a user name that has no verifier: HMAC(server secret, name), so asking twice gives the same salt
    /// and SCRAM's first step does not tell a stranger which users exist.
    public static func fakeSalt(user: String, secret: [UInt8]) -> [UInt8] {
        let mac = HMAC<SHA256>.authenticationCode(
            for: Array("scram-salt:\(user)".utf8), using: SymmetricKey(data: secret))
        return Array(Array(mac).prefix(saltLength))
    }

    /// Octets of a generated salt.
    public static let saltLength = 16
}
