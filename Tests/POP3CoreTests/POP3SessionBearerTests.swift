import Foundation
import Testing

@testable import POP3Core

/// SASL OAUTHBEARER (RFC 7628) and XOAUTH2: framing, the state machine, and the error exchange of RFC 7628 3.2.2.
@Suite struct POP3SessionBearerTests {
    private static let token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJl"

    private func started(oauth: Bool = true, plaintext: Bool = true) -> POP3Session {
        var configuration = POP3SessionConfiguration(plaintextAuthAllowed: plaintext)
        configuration.bearerTokensAccepted = oauth
        var session = POP3Session(configuration: configuration)
        _ = session.start()
        return session
    }

    private static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    private static func oauthBearer(user: String? = "alice", token: String = token) -> String {
        base64(
            "n,\(user.map { "a=\($0)" } ?? ""),\u{1}host=mail.example\u{1}port=110\u{1}auth=Bearer \(token)\u{1}\u{1}")
    }

    private static func xoauth2(user: String = "alice", token: String = token) -> String {
        base64("user=\(user)\u{1}auth=Bearer \(token)\u{1}\u{1}")
    }

    @Test func capaAndBareAuthListTheMechanismsOnlyWhenConfigured() {
        var plain = started(oauth: false)
        #expect(sentText(plain.receive("CAPA")).contains("SASL PLAIN\r\n"))
        #expect(sentText(plain.receive("AUTH")) == "+OK\r\nPLAIN\r\n.\r\n")
        #expect(
            sentLines(plain.receive("AUTH OAUTHBEARER " + Self.oauthBearer())) == [
                "-ERR Unsupported authentication mechanism."
            ])
        var oauth = started()
        #expect(sentText(oauth.receive("CAPA")).contains("SASL PLAIN OAUTHBEARER XOAUTH2\r\n"))
        #expect(sentText(oauth.receive("AUTH")) == "+OK\r\nPLAIN\r\nOAUTHBEARER\r\nXOAUTH2\r\n.\r\n")
    }

    @Test func aTokenIsNeverAcceptedInClearWherePlainWouldBeRefused() {
        var session = started(plaintext: false)
        #expect(!sentText(session.receive("CAPA")).contains("OAUTHBEARER"))
        #expect(
            sentLines(session.receive("AUTH OAUTHBEARER " + Self.oauthBearer())) == [
                "-ERR [AUTH] Plaintext authentication disallowed, use STLS."
            ])
    }

    @Test func oauthBearerInitialResponseAsksForTheTokenCheck() {
        var session = started()
        #expect(
            session.receive("AUTH OAUTHBEARER " + Self.oauthBearer())
                == [.authenticateBearer(user: "alice", token: Array(Self.token.utf8))])
        #expect(session.isAwaitingResult)
        let answer = session.bearerAuthenticationSucceeded(user: "alice", listing: [MaildropEntry(size: 5, uidl: "u")])
        #expect(sentLines(answer) == ["+OK Logged in."])
        #expect(session.state == .transaction)
        #expect(session.user == "alice")
    }

    @Test func continuationAndNoAuthorizationIdentity() {
        var session = started()
        #expect(session.receive("AUTH OAUTHBEARER") == [.send(.continuation(""))])
        #expect(
            session.receive(Self.oauthBearer(user: nil)) == [
                .authenticateBearer(user: nil, token: Array(Self.token.utf8))
            ])
        #expect(sentLines(session.bearerAuthenticationSucceeded(user: "bob", listing: [])) == ["+OK Logged in."])
        #expect(session.user == "bob")
    }

    @Test func xoauth2InitialResponseAndContinuation() {
        var session = started()
        #expect(
            session.receive("AUTH XOAUTH2 " + Self.xoauth2())
                == [.authenticateBearer(user: "alice", token: Array(Self.token.utf8))])
        var second = started()
        #expect(second.receive("auth xoauth2") == [.send(.continuation(""))])
        #expect(
            second.receive(Self.xoauth2(user: "bob")) == [
                .authenticateBearer(user: "bob", token: Array(Self.token.utf8))
            ])
    }

    @Test func aRefusedTokenGetsTheErrorChallengeThenErrAfterTheClientsAnswer() {
        for acknowledgement in ["AQ==", "*", ""] {
            var session = started()
            _ = session.receive("AUTH OAUTHBEARER " + Self.oauthBearer())
            let challenge = session.authenticationFailed(.badCredentials)
            #expect(sentLines(challenge) == ["+ " + BearerMechanism.errorChallenge])
            let json = Data(base64Encoded: BearerMechanism.errorChallenge).map { String(decoding: $0, as: UTF8.self) }
            #expect(json == #"{"status":"invalid_token","schemes":"bearer"}"#)
            #expect(!session.isAwaitingResult)
            #expect(sentLines(session.receive(acknowledgement)) == ["-ERR [AUTH] Authentication failed."])
            #expect(session.state == .authorization)
            #expect(sentLines(session.receive("NOOP")) == ["-ERR Command not valid in this state."])
        }
    }

    @Test func refusedTokensCountTowardTheFailureLimit() {
        var session = started()
        for attempt in 1...3 {
            _ = session.receive("AUTH XOAUTH2 " + Self.xoauth2())
            _ = session.authenticationFailed(.badCredentials)
            let answer = session.receive("")
            if attempt < 3 {
                #expect(sentLines(answer) == ["-ERR [AUTH] Authentication failed."])
            } else {
                #expect(sentLines(answer) == ["-ERR [AUTH] Authentication failed; too many failures, closing."])
                #expect(closes(answer) == .tooManyLoginFailures)
            }
        }
    }

    @Test func serverTroubleIsAnsweredWithoutTheChallenge() {
        var session = started()
        _ = session.receive("AUTH OAUTHBEARER " + Self.oauthBearer())
        #expect(
            sentLines(session.authenticationFailed(.maildropInUse)) == [
                "-ERR [IN-USE] Maildrop is locked by another session."
            ])
        #expect(session.state == .authorization)
    }

    @Test(arguments: [
        "not-base64!",
        Data("n,a=alice,auth=Bearer x\u{1}\u{1}".utf8).base64EncodedString(),  // no separator after the header
        Data("n,a=alice,\u{1}auth=Bearer \u{1}\u{1}".utf8).base64EncodedString(),  // empty token
        Data("n,a=alice,\u{1}auth=Basic abc\u{1}\u{1}".utf8).base64EncodedString(),
        Data("n,a=alice,\u{1}host=x\u{1}\u{1}".utf8).base64EncodedString(),  // no auth pair
        Data("n,a=alice,\u{1}auth=Bearer a b\u{1}\u{1}".utf8).base64EncodedString(),  // space in the token
        Data("x,,\u{1}auth=Bearer abc\u{1}\u{1}".utf8).base64EncodedString(),  // unknown gs2 flag
        Data("n,a=al=ice,\u{1}auth=Bearer abc\u{1}\u{1}".utf8).base64EncodedString(),  // bad saslname escape
        Data("n,,\u{1}auth=Bearer abc\u{1}".utf8).base64EncodedString(),  // one closing separator
    ])
    func malformedOAuthBearerResponsesAreRefusedWithoutACheck(response: String) {
        var session = started()
        #expect(
            sentLines(session.receive("AUTH OAUTHBEARER " + response)) == ["-ERR Invalid AUTH OAUTHBEARER response."])
        #expect(!session.isAwaitingResult)
    }

    @Test func channelBindingIsRefusedAndStarAborts() {
        var session = started()
        let bound = Data("p=tls-unique,,\u{1}auth=Bearer abc\u{1}\u{1}".utf8).base64EncodedString()
        #expect(
            sentLines(session.receive("AUTH OAUTHBEARER " + bound)) == ["-ERR [AUTH] Channel binding is not supported."]
        )
        _ = session.receive("AUTH OAUTHBEARER")
        #expect(sentLines(session.receive("*")) == ["-ERR Authentication aborted."])
    }

    @Test func onlyBearerResponsesMayBeLongerThanACommandLine() {
        let longToken = String(repeating: "a", count: 2_000)
        var session = started()
        #expect(
            session.receive("AUTH OAUTHBEARER " + Self.oauthBearer(token: longToken))
                == [.authenticateBearer(user: "alice", token: Array(longToken.utf8))])
        var continued = started()
        _ = continued.receive("AUTH XOAUTH2")
        #expect(
            continued.receive(Self.xoauth2(token: longToken))
                == [.authenticateBearer(user: "alice", token: Array(longToken.utf8))])
        var other = started()
        #expect(sentLines(other.receive("USER " + longToken)) == ["-ERR Line too long."])
        #expect(sentLines(other.receive("AUTH PLAIN " + longToken)) == ["-ERR Line too long."])
        var withoutOAuth = started(oauth: false)
        #expect(
            sentLines(withoutOAuth.receive("AUTH OAUTHBEARER " + Self.oauthBearer(token: longToken))) == [
                "-ERR Line too long."
            ])
    }

    @Test func saslNameEscapesAreDecoded() throws {
        let response = Array(Data("n,a=a=2Cb=3Dc,\u{1}auth=Bearer abc\u{1}\u{1}".utf8).base64EncodedString().utf8)
        #expect(try SASLBearerResponse.decodeOAuthBearer(response).get().user == "a,b=c")
    }

    @Test func xoauth2NeedsAUser() {
        var session = started()
        let response = Data("auth=Bearer abc\u{1}\u{1}".utf8).base64EncodedString()
        #expect(sentLines(session.receive("AUTH XOAUTH2 " + response)) == ["-ERR Invalid AUTH XOAUTH2 response."])
    }
}
