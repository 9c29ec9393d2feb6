/// SASL SCRAM-SHA-256 (RFC 7677; in POP3, RFC 5034): the client's messages are parsed here; the salt, the server's
/// nonce and the proof check come from the handler (`lookUpSCRAM`, `authenticateSCRAM`), like a password check.
extension POP3Session {
    static let scramMechanism = "SCRAM-SHA-256"

    mutating func startSCRAM(initialResponse: String?) -> [POP3SessionAction] {
        guard configuration.scramAccepted else { return badCommand(.err(nil, POP3ErrorText.unsupportedMechanism)) }
        guard configuration.plaintextAuthPermitted else {
            userFromUSER = nil
            return badCommand(.err(.auth, POP3ErrorText.plaintextDisallowed))
        }
        guard let initialResponse else {
            pending = .scramClientFirst
            return [.send(.continuation(""))]
        }
        return receiveSCRAMClientFirst(Array(initialResponse.utf8))
    }

    /// `n,,n=USER,r=NONCE`: ask the handler for the user's salt (a stable fake one for an unknown user).
    mutating func receiveSCRAMClientFirst(_ response: [UInt8]) -> [POP3SessionAction] {
        if response == [UInt8(ascii: "*")] { return badCommand(.err(nil, POP3ErrorText.authenticationAborted)) }
        switch SCRAMClientFirst.decode(response) {
        case .success(let first):
            pending = .scramLookup(SCRAMExchange(first: first, serverFirst: []))
            return [.lookUpSCRAM(user: first.user)]
        case .failure(.channelBindingRequested):
            return badCommand(.err(.auth, POP3ErrorText.channelBindingUnsupported))
        case .failure(.malformed):
            return badCommand(.err(nil, POP3ErrorText.invalidSCRAMMessage))
        }
    }

    /// The handler found the salt and made a nonce: send server-first (`r=CNONCE SNONCE,s=SALT,i=N`).
    public mutating func scramChallenge(salt: [UInt8], iterations: Int, serverNonce: [UInt8])
        -> [POP3SessionAction]
    {
        guard state == .authorization, case .scramLookup(let exchange) = pending else { return [] }
        let serverFirst = Array(
            "r=\(String(decoding: exchange.first.clientNonce + serverNonce, as: UTF8.self)),s=\(StrictBase64.encode(salt)),i=\(iterations)"
                .utf8)
        pending = .scramClientFinal(SCRAMExchange(first: exchange.first, serverFirst: serverFirst))
        // A line that arrived meanwhile is the client's answer to it.
        return [.send(.continuation(StrictBase64.encode(serverFirst)))] + drain()
    }

    /// `c=...,r=...,p=PROOF`: the nonce and the channel binding must be the ones of this exchange.
    mutating func receiveSCRAMClientFinal(_ response: [UInt8], exchange: SCRAMExchange) -> [POP3SessionAction] {
        if response == [UInt8(ascii: "*")] { return badCommand(.err(nil, POP3ErrorText.authenticationAborted)) }
        guard let final = SCRAMClientFinal.decode(response), final.channelBinding == exchange.first.gs2Header,
            final.nonce == exchange.combinedNonce
        else { return badCommand(.err(nil, POP3ErrorText.invalidSCRAMMessage)) }
        let comma = [SCRAMClientFirst.comma]
        let authMessage = exchange.first.bare + comma + exchange.serverFirst + comma + final.withoutProof
        pending = .scramAuthentication(user: exchange.first.user)
        return [.authenticateSCRAM(user: exchange.first.user, authMessage: authMessage, proof: final.proof)]
    }

    /// The proof was good and the maildrop is locked and listed: send the server's signature (`v=`); the client's
    /// empty answer completes the login.
    public mutating func scramAuthenticationSucceeded(
        serverSignature: [UInt8], listing: [MaildropEntry], policy: MailboxPolicy = .none
    ) -> [POP3SessionAction] {
        guard state == .authorization, case .scramAuthentication(let name) = pending else { return [] }
        pending = .scramServerFinal(user: name, listing: listing, policy: policy)
        return [.send(.continuation(StrictBase64.encode(Array("v=\(StrictBase64.encode(serverSignature))".utf8))))]
            + drain()
    }

    /// The client's answer to `v=`: empty (or `=`) logs in. Anything else abandons a login whose maildrop is
    /// already locked, so the session ends and the lock goes with it.
    mutating func receiveSCRAMServerFinalAnswer(
        _ line: [UInt8], user name: String, listing: [MaildropEntry], policy: MailboxPolicy
    ) -> [POP3SessionAction] {
        guard line.isEmpty || line == [UInt8(ascii: "=")] else {
            return close(.quit, after: .err(nil, POP3ErrorText.authenticationAborted))
        }
        pending = .authentication(user: name)
        return authenticationSucceeded(listing: listing, policy: policy)
    }
}

/// A SCRAM exchange in progress: the client's first message and the server's answer (empty until sent).
struct SCRAMExchange: Equatable, Sendable {
    let first: SCRAMClientFirst
    let serverFirst: [UInt8]

    /// The `r=` value of server-first, which client-final must repeat.
    var combinedNonce: [UInt8] {
        let field = serverFirst.split(separator: SCRAMClientFirst.comma).first ?? []
        return Array(field.dropFirst(2))
    }
}
