import Testing

@testable import POP3Core

@Suite struct POP3SessionLifecycleTests {
    @Test func badCommandLimitBeforeLogin() {
        var session = POP3Session(configuration: POP3SessionConfiguration(maxBadCommandsBeforeLogin: 3))
        _ = session.start()
        #expect(sentLines(session.receive("FOO")) == ["-ERR Unknown command."])
        #expect(sentLines(session.receive("CAPA")).first == "+OK Capability list follows")  // resets the run
        _ = session.receive("FOO")
        _ = session.lineTooLong()
        let actions = session.receive("STAT")
        #expect(actions == [.send(.err(nil, "Too many bad commands.")), .close(.tooManyBadCommands)])
        #expect(session.state == .closed)
    }

    /// A PROXY header reaches the session only from an address not trusted to send one: refused, never believed.
    @Test func aProxyHeaderIsAProtocolViolation() {
        var session = POP3Session(configuration: POP3SessionConfiguration())
        _ = session.start()
        let actions = session.receive("PROXY TCP4 192.0.2.10 198.51.100.1 56324 110")
        #expect(
            actions == [
                .send(.err(nil, "PROXY header not accepted from this address, closing.")), .close(.protocolViolation),
            ])
        #expect(session.state == .closed)
    }

    @Test func badCommandLimitAfterLogin() {
        var session = POP3Session.loggedIn(configuration: POP3SessionConfiguration(maxBadCommandsAfterLogin: 20))
        for _ in 1..<20 { #expect(closes(session.receive("RETR 0")) == nil) }
        #expect(closes(session.receive("XYZZY")) == .tooManyBadCommands)
    }

    @Test func defaultLimitIsTenBeforeLogin() {
        var session = POP3Session(configuration: POP3SessionConfiguration())
        _ = session.start()
        for _ in 1..<10 { #expect(closes(session.receiveLine([0, 1, 2])) == nil) }
        #expect(closes(session.receiveLine([0xFF])) == .tooManyBadCommands)
    }

    @Test func lineTooLongAnswersAndAbortsSASL() {
        var session = POP3Session(configuration: POP3SessionConfiguration())
        _ = session.start()
        #expect(session.lineTooLong() == [.send(.err(nil, "Line too long."))])
        _ = session.receive("AUTH PLAIN")
        _ = session.lineTooLong()
        #expect(sentLines(session.receive("NOOP")) == ["-ERR Command not valid in this state."])
    }

    @Test func idleTimeoutNeverCommits() {
        var session = POP3Session.loggedIn()
        _ = session.receive("DELE 1")
        _ = session.deletionRecorded(number: 1, succeeded: true)
        let actions = session.idleTimeout()
        #expect(actions == [.send(.err(nil, "Autologout: idle timeout.")), .close(.timeout)])
        #expect(session.state == .closed)
        #expect(session.receive("QUIT") == [])
        #expect(session.idleTimeout() == [])
    }

    @Test func shutdownNeverCommits() {
        var session = POP3Session.loggedIn()
        _ = session.receive("DELE 1")
        _ = session.deletionRecorded(number: 1, succeeded: true)
        let actions = session.shutdown()
        #expect(actions == [.send(.err(.sysTemp, "Server shutting down.")), .close(.shutdown)])
        #expect(!actions.contains { if case .commitDeletions = $0 { true } else { false } })
        #expect(session.updateFinished(succeeded: true) == [])
        #expect(session.shutdown() == [])
    }

    @Test func shutdownBeforeLoginAndWhileAwaiting() {
        var session = POP3Session(configuration: POP3SessionConfiguration())
        _ = session.start()
        _ = session.receive("USER a")
        _ = session.receive("PASS b")
        #expect(closes(session.shutdown()) == .shutdown)
        #expect(session.authenticationSucceeded(listing: []) == [])
        #expect(session.user == nil)
    }

    @Test func callbacksWithoutTheirActionAreIgnored() {
        var fresh = POP3Session(configuration: POP3SessionConfiguration())
        _ = fresh.start()
        #expect(fresh.authenticationSucceeded(listing: []) == [])
        #expect(fresh.authenticationFailed(.badCredentials) == [])
        #expect(fresh.messageSent(number: 1) == [])
        #expect(fresh.messageUnavailable(number: 1) == [])
        #expect(fresh.deletionRecorded(number: 1, succeeded: true) == [])
        #expect(fresh.deletionsReset(succeeded: true) == [])
        #expect(fresh.updateFinished(succeeded: true) == [])
        #expect(fresh.state == .authorization)

        var session = POP3Session.loggedIn()
        #expect(session.authenticationSucceeded(listing: []) == [])
        #expect(session.deletionRecorded(number: 1, succeeded: true) == [])
        _ = session.receive("DELE 1")
        #expect(session.deletionRecorded(number: 2, succeeded: true) == [])
        #expect(session.messageSent(number: 1) == [])
        #expect(session.deletionsReset(succeeded: true) == [])
        #expect(sentLines(session.deletionRecorded(number: 1, succeeded: true)) == ["+OK Message 1 deleted."])
        #expect(sentLines(session.receive("STAT")) == ["+OK 2 500"])
    }
}
