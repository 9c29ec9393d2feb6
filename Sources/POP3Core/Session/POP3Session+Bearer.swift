/// SASL OAUTHBEARER (RFC 7628) and XOAUTH2: the token's framing is checked here, the token itself by the handler
/// (`authenticateBearer`), like a password.
extension POP3Session {
    mutating func startBearer(_ mechanism: BearerMechanism, initialResponse: String?) -> [POP3SessionAction] {
        guard configuration.bearerTokensAccepted else {
            return badCommand(.err(nil, POP3ErrorText.unsupportedMechanism))
        }
        // A bearer token is a credential like a password: never in clear where PLAIN would be refused.
        guard configuration.plaintextAuthPermitted else {
            userFromUSER = nil
            return badCommand(.err(.auth, POP3ErrorText.plaintextDisallowed))
        }
        guard let initialResponse else {
            pending = .bearerResponse(mechanism)
            return [.send(.continuation(""))]
        }
        return finishBearer(mechanism, response: Array(initialResponse.utf8))
    }

    /// True for a line that may be longer than a command: a bearer response, on its own or on the AUTH line.
    func mayCarryBearerToken(_ line: [UInt8]) -> Bool {
        guard configuration.bearerTokensAccepted, line.count <= POP3Limits.maxBearerResponseOctets else { return false }
        if case .bearerResponse = pending { return true }
        let prefix = String(decoding: line.prefix(18), as: UTF8.self).uppercased()
        return state == .authorization && (prefix.hasPrefix("AUTH OAUTHBEARER ") || prefix.hasPrefix("AUTH XOAUTH2 "))
    }

    /// The client's response, from the AUTH line or the line after `+ `.
    mutating func finishBearer(_ mechanism: BearerMechanism, response: [UInt8]) -> [POP3SessionAction] {
        if response == [UInt8(ascii: "*")] {
            return badCommand(.err(nil, POP3ErrorText.authenticationAborted))
        }
        switch mechanism.decode(response) {
        case .success(let decoded):
            pending = .bearerAuthentication
            return [.authenticateBearer(user: decoded.user, token: decoded.token)]
        case .failure(.malformed):
            return badCommand(.err(nil, POP3ErrorText.invalidBearerResponse(mechanism)))
        case .failure(.channelBindingRequested):
            return badCommand(.err(.auth, POP3ErrorText.channelBindingUnsupported))
        }
    }

    /// The token was good and the maildrop is locked and listed.
    public mutating func bearerAuthenticationSucceeded(
        user name: String, listing: [MaildropEntry], policy: MailboxPolicy = .none
    ) -> [POP3SessionAction] {
        guard state == .authorization, pending == .bearerAuthentication else { return [] }
        pending = .authentication(user: name)
        return authenticationSucceeded(listing: listing, policy: policy)
    }

    /// A refused token gets RFC 7628's error challenge first; any other failure is answered at once.
    mutating func bearerAuthenticationFailed(_ failure: AuthenticationFailure) -> [POP3SessionAction] {
        guard failure == .badCredentials else {
            pending = .none
            return [.send(failure.response)] + drain()
        }
        pending = .bearerErrorAcknowledgement
        return [.send(.continuation(BearerMechanism.errorChallenge))]
    }

    /// The client answered the error challenge (`AQ==`, `*`, or anything): the failure is final.
    mutating func bearerRefused() -> [POP3SessionAction] {
        failedLogins += 1
        if failedLogins >= configuration.maxFailedLogins {
            return close(.tooManyLoginFailures, after: .err(.auth, POP3ErrorText.tooManyLoginFailures))
        }
        return [.send(AuthenticationFailure.badCredentials.response)] + drain()
    }
}
