/// Commands of the AUTHORIZATION state: USER, PASS, AUTH, STLS, APOP, CAPA, QUIT.
extension POP3Session {
    mutating func authorization(_ command: POP3Command) -> [POP3SessionAction] {
        switch command {
        case .capa:
            return succeed(capabilities)
        case .quit:
            return close(.quit, after: .ok("Logging out."))
        case .user(let name):
            guard configuration.plaintextAuthPermitted else { return plaintextDisallowed() }
            userFromUSER = name
            return succeed(.ok(""))
        case .pass(let password):
            guard configuration.plaintextAuthPermitted else { return plaintextDisallowed() }
            guard let name = userFromUSER else { return badCommand(.err(nil, POP3ErrorText.noUserGiven)) }
            userFromUSER = nil
            return authenticate(user: name, password: password)
        case .auth(mechanism: nil, _):
            return succeed(.multiline("", POP3Capabilities.mechanisms(for: configuration)))
        case .auth(mechanism: "PLAIN", let initialResponse):
            guard configuration.plaintextAuthPermitted else { return plaintextDisallowed() }
            guard let initialResponse else {
                pending = .saslResponse
                return [.send(.continuation(""))]
            }
            return finishAuthPlain(response: Array(initialResponse.utf8))
        case .auth(mechanism: let name?, let initialResponse) where BearerMechanism(rawValue: name) != nil:
            return startBearer(BearerMechanism(rawValue: name) ?? .oauthBearer, initialResponse: initialResponse)
        case .auth(mechanism: POP3Session.scramMechanism, let initialResponse):
            return startSCRAM(initialResponse: initialResponse)
        case .auth:
            return badCommand(.err(nil, POP3ErrorText.unsupportedMechanism))
        case .stls:
            guard configuration.stlsOffered else {
                let text = configuration.tlsActive ? POP3ErrorText.tlsAlreadyActive : POP3ErrorText.tlsNotAvailable
                return badCommand(.err(nil, text))
            }
            // The handshake either succeeds or drops the connection, so the session is encrypted from here.
            configuration.tlsActive = true
            return succeed(.ok("Begin TLS negotiation now."), then: [.startTLS])
        case .apop:
            return badCommand(.err(nil, POP3ErrorText.apopNotSupported))
        case .stat, .noop, .rset, .list, .uidl, .retr, .dele, .top:
            return badCommand(.err(nil, POP3ErrorText.wrongState))
        }
    }

    /// The client's SASL PLAIN response, from `AUTH PLAIN <ir>` or the line after `+ `.
    mutating func finishAuthPlain(response: [UInt8]) -> [POP3SessionAction] {
        if response == [UInt8(ascii: "*")] {
            return badCommand(.err(nil, POP3ErrorText.authenticationAborted))
        }
        switch SASLPlainResponse.decode(response) {
        case .success(let credentials):
            return authenticate(user: credentials.user, password: credentials.password)
        case .failure(.malformed):
            return badCommand(.err(nil, POP3ErrorText.invalidSASLResponse))
        case .failure(.authorizationIdentityRefused):
            return badCommand(.err(.auth, POP3ErrorText.authorizationIdentityRefused))
        }
    }

    var capabilities: POP3Response {
        .multiline("Capability list follows", POP3Capabilities.lines(for: configuration, in: state, policy: policy))
    }

    private mutating func authenticate(user name: String, password: [UInt8]) -> [POP3SessionAction] {
        pending = .authentication(user: name)
        return [.authenticate(user: name, password: password)]
    }

    private mutating func plaintextDisallowed() -> [POP3SessionAction] {
        userFromUSER = nil
        return badCommand(.err(.auth, POP3ErrorText.plaintextDisallowed))
    }
}
