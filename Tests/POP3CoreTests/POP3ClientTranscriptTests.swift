import Testing

@testable import POP3Core

/// Replays the command sequences of popular clients (documentation/clients.md) against the state machine.
@Suite struct POP3ClientTranscriptTests {
    private let listing = [
        MaildropEntry(size: 1_024, uidl: "1700000000.M1P1.host"),
        MaildropEntry(size: 2_048, uidl: "1700000001.M2P1.host"),
    ]

    @Test func thunderbirdWithUserPass() {
        var session = POP3Session(configuration: POP3SessionConfiguration())
        #expect(sentLines(session.start()) == ["+OK pop3d ready."])
        #expect(sentText(session.receive("CAPA")).contains("\r\nUSER\r\n"))
        #expect(sentLines(session.receive("USER alice")) == ["+OK"])
        #expect(session.receive("PASS hunter2") == [.authenticate(user: "alice", password: Array("hunter2".utf8))])
        #expect(sentLines(session.authenticationSucceeded(listing: listing)) == ["+OK Logged in."])
        runThunderbirdMailCheck(&session)
    }

    @Test func thunderbirdWithAuthPlain() {
        var session = POP3Session(configuration: POP3SessionConfiguration(tlsAvailable: true))
        _ = session.start()
        #expect(sentText(session.receive("CAPA")).contains("\r\nSTLS\r\n"))
        #expect(session.receive("STLS").last == .startTLS)
        #expect(sentText(session.receive("CAPA")).contains("SASL PLAIN"))
        #expect(session.receive("AUTH PLAIN") == [.send(.continuation(""))])
        #expect(
            session.receive(saslPlain("", "alice", "pw")) == [.authenticate(user: "alice", password: Array("pw".utf8))])
        _ = session.authenticationSucceeded(listing: listing)
        runThunderbirdMailCheck(&session)
    }

    private func runThunderbirdMailCheck(_ session: inout POP3Session) {
        #expect(sentLines(session.receive("STAT")) == ["+OK 2 3072"])
        #expect(sentText(session.receive("LIST")).hasSuffix("\r\n1 1024\r\n2 2048\r\n.\r\n"))
        #expect(sentText(session.receive("UIDL")).contains("2 1700000001.M2P1.host\r\n"))
        #expect(
            session.receive("TOP 1 0") == [
                .sendMessage(number: 1, status: .ok("1024 octets"), bodyLines: 0, readAhead: [])
            ])
        #expect(session.messageSent(number: 1) == [])
        #expect(
            session.receive("RETR 1") == [
                .sendMessage(number: 1, status: .ok("1024 octets"), bodyLines: nil, readAhead: [])
            ])
        #expect(session.messageSent(number: 1) == [])
        #expect(session.receive("DELE 1") == [.recordDeletion(number: 1)])
        #expect(sentLines(session.deletionRecorded(number: 1, succeeded: true)) == ["+OK Message 1 deleted."])
        #expect(session.receive("QUIT") == [.commitDeletions(numbers: [1])])
        #expect(closes(session.updateFinished(succeeded: true)) == .quit)
        #expect(
            session.counters
                == {
                    var c = SessionCounters()
                    c.retr = 1
                    c.top = 1
                    c.dele = 1
                    return c
                }())
    }

    @Test func outlook() {
        var session = POP3Session(configuration: POP3SessionConfiguration())
        _ = session.start()
        #expect(sentText(session.receive("AUTH")) == "+OK\r\nPLAIN\r\n.\r\n")
        let ntlm = session.receive("AUTH NTLM")
        #expect(sentLines(ntlm).first?.hasPrefix("-ERR") == true)
        #expect(closes(ntlm) == nil)
        #expect(sentLines(session.receive("USER bob")) == ["+OK"])
        #expect(session.receive("PASS p w") == [.authenticate(user: "bob", password: Array("p w".utf8))])
        _ = session.authenticationSucceeded(listing: listing)
        #expect(sentLines(session.receive("STAT")) == ["+OK 2 3072"])
        #expect(sentText(session.receive("UIDL")) == "+OK\r\n1 1700000000.M1P1.host\r\n2 1700000001.M2P1.host\r\n.\r\n")
        #expect(
            session.receive("RETR 2") == [
                .sendMessage(number: 2, status: .ok("2048 octets"), bodyLines: nil, readAhead: [])
            ])
        _ = session.messageSent(number: 2)
        #expect(session.receive("QUIT") == [.send(.ok("Logging out.")), .close(.quit)])
    }
}
