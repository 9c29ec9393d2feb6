import Foundation
import Testing

@testable import POP3Core

/// SASL SCRAM-SHA-256 in the session: parsing the client's messages, the server-first message, the AuthMessage handed
/// to the proof check, `v=` and the empty line, aborts and refusals. The exchange is RFC 7677's example.
@Suite struct POP3SessionSCRAMTests {
    static let clientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO"
    static let serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    static let salt = Array(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ==")!)
    static let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
    static let clientFinal =
        "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="
    static let authMessage =
        "n=user,r=rOprNGfwEbeRWgbNEkqO,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,"
        + "i=4096,c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    static let proof = Array(Data(base64Encoded: "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")!)
    static let signature = Array(Data(base64Encoded: "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")!)

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    private func started(scram: Bool = true, plaintext: Bool = true) -> POP3Session {
        var configuration = POP3SessionConfiguration(plaintextAuthAllowed: plaintext)
        configuration.scramAccepted = scram
        var session = POP3Session(configuration: configuration)
        _ = session.start()
        return session
    }

    /// Runs RFC 7677's exchange up to the proof check.
    private func exchangeUpToProof(_ session: inout POP3Session, initialResponse: Bool) {
        if initialResponse {
            #expect(
                session.receive("AUTH SCRAM-SHA-256 " + Self.base64(Self.clientFirst)) == [.lookUpSCRAM(user: "user")])
        } else {
            #expect(sentLines(session.receive("AUTH SCRAM-SHA-256")) == ["+ "])
            #expect(session.receive(Self.base64(Self.clientFirst)) == [.lookUpSCRAM(user: "user")])
        }
        #expect(session.isAwaitingResult)
        let challenge = session.scramChallenge(
            salt: Self.salt, iterations: 4096, serverNonce: Array(Self.serverNonce.utf8))
        #expect(sentLines(challenge) == ["+ " + Self.base64(Self.serverFirst)])
        #expect(
            session.receive(Self.base64(Self.clientFinal)) == [
                .authenticateSCRAM(user: "user", authMessage: Array(Self.authMessage.utf8), proof: Self.proof)
            ])
    }

    @Test func capaListsTheMechanismOnlyWhenOn() {
        var off = started(scram: false)
        #expect(sentText(off.receive("CAPA")).contains("SASL PLAIN\r\n"))
        #expect(sentLines(off.receive("AUTH SCRAM-SHA-256")) == ["-ERR Unsupported authentication mechanism."])
        var on = started()
        #expect(sentText(on.receive("CAPA")).contains("SASL PLAIN SCRAM-SHA-256\r\n"))
        #expect(sentText(on.receive("AUTH")) == "+OK\r\nPLAIN\r\nSCRAM-SHA-256\r\n.\r\n")
    }

    @Test(arguments: [true, false]) func rfc7677ExchangeLogsInAfterTheEmptyLine(initialResponse: Bool) {
        var session = started()
        exchangeUpToProof(&session, initialResponse: initialResponse)
        let final = session.scramAuthenticationSucceeded(
            serverSignature: Self.signature, listing: [MaildropEntry(size: 5, uidl: "u")])
        #expect(sentLines(final) == ["+ " + Self.base64("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")])
        #expect(session.state == .authorization)
        #expect(sentLines(session.receive("")) == ["+OK Logged in."])
        #expect(session.state == .transaction)
        #expect(session.user == "user")
    }

    @Test func aBadProofIsABadPasswordAndCounts() {
        var session = started()
        for attempt in 1...3 {
            exchangeUpToProof(&session, initialResponse: true)
            let refused = session.authenticationFailed(.badCredentials)
            #expect(
                sentLines(refused).first
                    == (attempt < 3
                        ? "-ERR [AUTH] Authentication failed."
                        : "-ERR [AUTH] Authentication failed; too many failures, closing."))
            if attempt < 3 { #expect(session.state == .authorization) }
            if attempt == 3 { #expect(closes(refused) == .tooManyLoginFailures) }
        }
    }

    @Test func starAbortsAtEachStep() {
        var session = started()
        _ = session.receive("AUTH SCRAM-SHA-256")
        #expect(sentLines(session.receive("*")) == ["-ERR Authentication aborted."])
        _ = session.receive("AUTH SCRAM-SHA-256 " + Self.base64(Self.clientFirst))
        _ = session.scramChallenge(salt: Self.salt, iterations: 4096, serverNonce: Array(Self.serverNonce.utf8))
        #expect(sentLines(session.receive("*")) == ["-ERR Authentication aborted."])
        #expect(session.state == .authorization)
        #expect(sentLines(session.receive("CAPA")).first == "+OK Capability list follows")
    }

    @Test func linesThatArriveDuringTheLookupAnswerTheChallenge() {
        var session = started()
        let now = POP3Instant(nanoseconds: 1_000_000_000)
        #expect(
            session.received(.line(Array(("AUTH SCRAM-SHA-256 " + Self.base64(Self.clientFirst)).utf8)), now: now)
                == [.lookUpSCRAM(user: "user")])
        #expect(session.received(.line(Array("*".utf8)), now: now).isEmpty)
        let answer = session.scramChallenge(
            salt: Self.salt, iterations: 4096, serverNonce: Array(Self.serverNonce.utf8))
        #expect(sentLines(answer) == ["+ " + Self.base64(Self.serverFirst), "-ERR Authentication aborted."])
        #expect(!session.isAwaitingResult && session.state == .authorization)
    }

    @Test func anythingButAnEmptyLineAfterTheSignatureEndsTheSession() {
        var session = started()
        exchangeUpToProof(&session, initialResponse: true)
        _ = session.scramAuthenticationSucceeded(serverSignature: Self.signature, listing: [])
        let answer = session.receive("*")
        #expect(sentLines(answer) == ["-ERR Authentication aborted."])
        #expect(closes(answer) != nil)
        #expect(session.user == nil)
    }

    @Test func channelBindingAndMalformedMessagesAreRefused() {
        var session = started()
        #expect(
            sentLines(session.receive("AUTH SCRAM-SHA-256 " + Self.base64("p=tls-server-end-point,,n=user,r=abc")))
                == ["-ERR [AUTH] Channel binding is not supported."])
        for bad in [
            "n,,n=user", "n,,r=abc,n=user", "x,,n=user,r=abc", "n,,n=us=2Xer,r=abc", "n,,n=user,r=a,b",
            "n,,m=ext,n=user,r=abc", "n,a=other,n=user,r=abc", "n,,n=user,r=" + String(repeating: "x", count: 300),
        ] {
            var session = started()
            #expect(
                sentLines(session.receive("AUTH SCRAM-SHA-256 " + Self.base64(bad)))
                    == ["-ERR Invalid SCRAM-SHA-256 message."], "\(bad)")
        }
        session = started()
        #expect(sentLines(session.receive("AUTH SCRAM-SHA-256 not-base64!")) == ["-ERR Invalid SCRAM-SHA-256 message."])
    }

    @Test func escapedNamesAndAuthzidEqualToTheUserAreAccepted() {
        var session = started()
        #expect(
            session.receive("AUTH SCRAM-SHA-256 " + Self.base64("y,a=a=2Cb=3Dc,n=a=2Cb=3Dc,r=abc,x=ext"))
                == [.lookUpSCRAM(user: "a,b=c")])
    }

    @Test func theFinalMessageMustRepeatTheNonceAndTheBinding() {
        // The nonce without the server's part, a binding of "y,,", a short proof, no proof.
        for final in [
            "c=biws,r=rOprNGfwEbeRWgbNEkqO,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=AAAA",
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
        ] {
            var session = started()
            _ = session.receive("AUTH SCRAM-SHA-256 " + Self.base64(Self.clientFirst))
            _ = session.scramChallenge(salt: Self.salt, iterations: 4096, serverNonce: Array(Self.serverNonce.utf8))
            #expect(
                sentLines(session.receive(Self.base64(final))) == ["-ERR Invalid SCRAM-SHA-256 message."], "\(final)")
            #expect(!session.isAwaitingResult)
        }
    }

    @Test func notOfferedInClearWherePlainWouldBeRefused() {
        var session = started(plaintext: false)
        #expect(!sentText(session.receive("CAPA")).contains("SCRAM"))
        #expect(
            sentLines(session.receive("AUTH SCRAM-SHA-256 " + Self.base64(Self.clientFirst)))
                == ["-ERR [AUTH] Plaintext authentication disallowed, use STLS."])
    }

    @Test func base64EncodingRoundTrips() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(StrictBase64.encode(bytes) == Data(bytes).base64EncodedString())
            #expect(StrictBase64.decode(Array(StrictBase64.encode(bytes).utf8)) == bytes)
        }
    }
}
