public import Storage

/// SCRAM-SHA-256 on the server side: the salt a client is told, the server's nonce, and the proof check. Present
/// only with --sasl-scram.
public struct SCRAMService: Sendable {
    let store: any SCRAMStore
    /// Iterations of a new user's salt (existing salts keep theirs).
    let iterations: Int
    /// Derives the fake salt of a user without one (see `SCRAMVerifier.fakeSalt`).
    let secret: [UInt8]

    public init(store: any SCRAMStore, iterations: Int, secret: [UInt8]) {
        self.store = store
        self.iterations = iterations
        self.secret = secret
    }

    struct Challenge: Sendable {
        let salt: [UInt8]
        let iterations: Int
        let serverNonce: [UInt8]
    }

    /// The user's salt and iterations, or for a user without them (unknown, or no verifier yet) a fake salt that is
    /// the same every time, with the configured iterations: the answer looks alike either way.
    func challenge(user: String) async throws -> Challenge {
        let credentials = try await store.scramCredentials(user: user)
        return Challenge(
            salt: credentials?.salt ?? SCRAMVerifier.fakeSalt(user: user, secret: secret),
            iterations: credentials?.iterations ?? iterations,
            serverNonce: Array(SCRAMColumn.encode(SCRAMColumn.randomBytes(18)).utf8))
    }

    /// The server signature when `proof` matches one of the user's verifiers, nil otherwise.
    func check(user: String, authMessage: [UInt8], proof: [UInt8]) async throws -> [UInt8]? {
        let verifiers = try await store.scramCredentials(user: user)?.verifiers ?? []
        return SCRAMVerifier.matching(proof: proof, authMessage: authMessage, in: verifiers)?
            .serverSignature(authMessage: authMessage)
    }
}
