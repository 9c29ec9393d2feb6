import Testing

@testable import POP3Core

@Suite struct POP3SessionAuthorizationTests {
    private func started(_ configuration: POP3SessionConfiguration = POP3SessionConfiguration()) -> POP3Session {
        var session = POP3Session(configuration: configuration)
        _ = session.start()
        return session
    }

    @Test func greetsOnce() {
        var session = POP3Session(configuration: POP3SessionConfiguration(greeting: "pop3d ready."))
        #expect(session.start() == [.send(.ok("pop3d ready."))])
        #expect(session.start() == [])
        #expect(session.state == .authorization)
    }

    @Test func userThenPassAuthenticates() {
        var session = started()
        #expect(sentLines(session.receive("user alice")) == ["+OK"])
        #expect(session.receive("PASS my secret") == [.authenticate(user: "alice", password: Array("my secret".utf8))])
        #expect(session.isAwaitingResult)
        #expect(session.receive("STAT") == [])  // no lines while waiting
        let listing = [MaildropEntry(size: 10, uidl: "a")]
        #expect(sentLines(session.authenticationSucceeded(listing: listing)) == ["+OK Logged in."])
        #expect(session.state == .transaction)
        #expect(session.user == "alice")
        #expect(!session.isAwaitingResult)
    }

    @Test func passWithoutUserIsRefused() {
        var session = started()
        #expect(sentLines(session.receive("PASS x")) == ["-ERR No user name given, send USER first."])
        _ = session.receive("USER alice")
        _ = session.receive("NOOP")  // anything between USER and PASS forgets the name
        #expect(sentLines(session.receive("PASS x")) == ["-ERR No user name given, send USER first."])
    }

    @Test(arguments: [
        (AuthenticationFailure.badCredentials, "-ERR [AUTH] Authentication failed."),
        (.maildropInUse, "-ERR [IN-USE] Maildrop is locked by another session."),
        (.temporary("Database busy."), "-ERR [SYS/TEMP] Database busy."),
        (.permanent("Broken maildrop."), "-ERR [SYS/PERM] Broken maildrop."),
    ])
    func failedLoginsStayInAuthorization(failure: AuthenticationFailure, expected: String) {
        var session = started()
        _ = session.receive("USER alice")
        _ = session.receive("PASS wrong")
        #expect(sentLines(session.authenticationFailed(failure)) == [expected])
        #expect(session.state == .authorization)
        #expect(session.user == nil)
        #expect(sentLines(session.receive("PASS again")) == ["-ERR No user name given, send USER first."])
        _ = session.receive("USER alice")
        #expect(session.receive("PASS right") == [.authenticate(user: "alice", password: Array("right".utf8))])
    }

    @Test func theThirdFailedLoginIsAnsweredAndClosesTheConnection() {
        var session = started()
        for attempt in 1...2 {
            _ = session.receive("USER alice")
            _ = session.receive("PASS guess \(attempt)")
            let answer = session.authenticationFailed(.badCredentials)
            #expect(sentLines(answer) == ["-ERR [AUTH] Authentication failed."])
            #expect(closes(answer) == nil)
        }
        // Refusals that are not the client's guesses do not count.
        _ = session.receive("USER alice")
        _ = session.receive("PASS right")
        #expect(closes(session.authenticationFailed(.maildropInUse)) == nil)
        _ = session.receive("AUTH PLAIN " + saslPlain("", "alice", "guess 3"))
        _ = session.receive("NOOP")  // pipelined behind the failing login: never answered
        let last = session.authenticationFailed(.badCredentials)
        #expect(sentLines(last) == ["-ERR [AUTH] Authentication failed; too many failures, closing."])
        #expect(closes(last) == .tooManyLoginFailures)
        #expect(session.state == .closed)
    }

    @Test func theFailureLimitIsConfigurable() {
        var session = started(POP3SessionConfiguration(maxFailedLogins: 1))
        _ = session.receive("USER alice")
        _ = session.receive("PASS wrong")
        #expect(closes(session.authenticationFailed(.badCredentials)) == .tooManyLoginFailures)
    }

    @Test func authPlainWithInitialResponse() {
        var session = started()
        let actions = session.receive("AUTH PLAIN " + saslPlain("", "alice", "pass word"))
        #expect(actions == [.authenticate(user: "alice", password: Array("pass word".utf8))])
        var sameAuthz = started()
        #expect(
            sameAuthz.receive("auth plain " + saslPlain("alice", "alice", "pw"))
                == [.authenticate(user: "alice", password: Array("pw".utf8))])
    }

    @Test func authPlainWithContinuation() {
        var session = started()
        #expect(session.receive("AUTH PLAIN") == [.send(.continuation(""))])
        #expect(!session.isAwaitingResult)
        #expect(session.receive(saslPlain("", "bob", "x")) == [.authenticate(user: "bob", password: Array("x".utf8))])
    }

    @Test func authPlainCancelAndBadResponses() {
        var session = started()
        _ = session.receive("AUTH PLAIN")
        #expect(sentLines(session.receive("*")) == ["-ERR Authentication aborted."])
        #expect(sentLines(session.receive("CAPA")).first == "+OK Capability list follows")
        for bad in ["not base64!", "QUJD", "=", "AGFsaWNl", saslPlain("", "", "pw")] {
            _ = session.receive("AUTH PLAIN")
            #expect(sentLines(session.receive(bad)) == ["-ERR Invalid AUTH PLAIN response."], "\(bad)")
        }
        #expect(sentLines(session.receive("AUTH PLAIN =")) == ["-ERR Invalid AUTH PLAIN response."])
        #expect(
            sentLines(session.receive("AUTH PLAIN " + saslPlain("admin", "alice", "pw")))
                == ["-ERR [AUTH] Authorization identity must equal the user name."])
        #expect(session.state == .authorization)
    }

    @Test func bareAuthListsMechanisms() {
        var session = started()
        #expect(sentText(session.receive("AUTH")) == "+OK\r\nPLAIN\r\n.\r\n")
    }

    @Test func otherMechanismsAreRefusedWithoutClosing() {
        var session = started()
        let actions = session.receive("AUTH NTLM")
        #expect(sentLines(actions) == ["-ERR Unsupported authentication mechanism."])
        #expect(closes(actions) == nil)
        #expect(session.state == .authorization)
        _ = session.receive("USER a")
        #expect(session.receive("PASS b") == [.authenticate(user: "a", password: Array("b".utf8))])
    }

    @Test func plaintextDisallowedRefusesLogins() {
        var session = started(POP3SessionConfiguration(tlsAvailable: true, plaintextAuthAllowed: false))
        let refused = "-ERR [AUTH] Plaintext authentication disallowed, use STLS."
        #expect(sentLines(session.receive("USER alice")) == [refused])
        #expect(sentLines(session.receive("PASS x")) == [refused])
        #expect(sentLines(session.receive("AUTH PLAIN")) == [refused])
        #expect(sentText(session.receive("AUTH")) == "+OK\r\n.\r\n")
        #expect(session.receive("STLS") == [.send(.ok("Begin TLS negotiation now.")), .startTLS])
        #expect(sentLines(session.receive("USER alice")) == ["+OK"])
    }

    @Test func stlsOnlyWhenOffered() {
        var plain = started()
        #expect(sentLines(plain.receive("STLS")) == ["-ERR STLS is not available."])
        var implicit = started(POP3SessionConfiguration(tlsAvailable: true, tlsActive: true))
        #expect(sentLines(implicit.receive("STLS")) == ["-ERR TLS is already active."])
        var upgraded = started(POP3SessionConfiguration(tlsAvailable: true))
        _ = upgraded.receive("USER x")
        #expect(upgraded.receive("stls") == [.send(.ok("Begin TLS negotiation now.")), .startTLS])
        #expect(sentLines(upgraded.receive("STLS")) == ["-ERR TLS is already active."])
        // the USER given before the handshake is forgotten
        #expect(sentLines(upgraded.receive("PASS y")) == ["-ERR No user name given, send USER first."])
    }

    @Test func apopAndTransactionCommandsAreRefused() {
        var session = started(POP3SessionConfiguration(maxBadCommandsBeforeLogin: 100))
        #expect(sentLines(session.receive("APOP a b")) == ["-ERR APOP is not supported."])
        for line in ["STAT", "LIST", "LIST 1", "UIDL", "RETR 1", "DELE 1", "TOP 1 0", "NOOP", "RSET", "RETR abc"] {
            #expect(sentLines(session.receive(line)) == ["-ERR Command not valid in this state."], "\(line)")
        }
        #expect(session.state == .authorization)
    }

    @Test func quitInAuthorizationCloses() {
        var session = started()
        let actions = session.receive("QUIT")
        #expect(actions == [.send(.ok("Logging out.")), .close(.quit)])
        #expect(session.state == .closed)
        #expect(session.receive("CAPA") == [])
    }

    @Test func capaListsTheDefaults() {
        var session = started(POP3SessionConfiguration(implementation: "pop3d 0.1"))
        #expect(
            sentText(session.receive("CAPA"))
                == "+OK Capability list follows\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nAUTH-RESP-CODE\r\nPIPELINING\r\n"
                + "EXPIRE NEVER\r\nUSER\r\nSASL PLAIN\r\nIMPLEMENTATION pop3d 0.1\r\n.\r\n")
    }

    @Test func capaFollowsTLSAndPlaintextSettings() {
        func capabilities(_ configuration: POP3SessionConfiguration) -> [String] {
            var session = started(configuration)
            return sentText(session.receive("CAPA")).split(separator: "\r\n").map(String.init)
        }
        let offered = capabilities(POP3SessionConfiguration(tlsAvailable: true))
        #expect(offered.contains("STLS") && offered.contains("USER") && offered.contains("SASL PLAIN"))
        let refused = capabilities(POP3SessionConfiguration(tlsAvailable: true, plaintextAuthAllowed: false))
        #expect(refused.contains("STLS") && !refused.contains("USER") && !refused.contains("SASL PLAIN"))
        let overTLS = capabilities(
            POP3SessionConfiguration(tlsAvailable: true, tlsActive: true, plaintextAuthAllowed: false))
        #expect(!overTLS.contains("STLS") && overTLS.contains("USER") && overTLS.contains("SASL PLAIN"))

        var afterSTLS = started(POP3SessionConfiguration(tlsAvailable: true, plaintextAuthAllowed: false))
        _ = afterSTLS.receive("STLS")
        let lines = sentText(afterSTLS.receive("CAPA")).split(separator: "\r\n").map(String.init)
        #expect(!lines.contains("STLS") && lines.contains("USER") && lines.contains("SASL PLAIN"))
    }
}
