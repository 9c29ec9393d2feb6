import Testing

@testable import POP3Core

/// The session as the handler drives it: every line through `received(_:now:)`, results through the callbacks,
/// time through `timerFired(now:)`. No sockets, no clock: time is moved by hand.
@Suite struct POP3SessionInputAndTimerTests {
    static let second: UInt64 = 1_000_000_000
    static func at(_ seconds: Double) -> POP3Instant { POP3Instant(nanoseconds: UInt64(seconds * 1e9)) }

    static let configuration = POP3SessionConfiguration(
        timeouts: POP3Timeouts(preLogin: .seconds(60), idle: .seconds(600)),
        inputLimit: POP3InputLimit(lines: 4, bytes: 1_000))

    static func line(_ text: String) -> POP3Inbound { .line(Array(text.utf8)) }

    /// A session logged in through the queue at time 0 with messages of the given sizes.
    static func loggedIn(sizes: [Int] = [100, 200, 300]) -> POP3Session {
        var session = POP3Session(configuration: configuration)
        _ = session.start(now: .zero)
        _ = session.received(line("USER alice"), now: .zero)
        _ = session.received(line("PASS secret"), now: .zero)
        _ = session.authenticationSucceeded(
            listing: sizes.enumerated().map { MaildropEntry(size: $0.element, uidl: "u\($0.offset + 1)") })
        return session
    }

    @Test func startGreetsAndArmsThePreLoginTimer() {
        var session = POP3Session(configuration: Self.configuration)
        #expect(session.start(now: Self.at(5)) == [.send(.ok("pop3d ready.")), .armTimer(at: Self.at(65))])
        #expect(session.start(now: Self.at(6)) == [])
    }

    @Test func pipelinedLinesWaitForTheLoginAndAreAnsweredInOrder() {
        var session = POP3Session(configuration: Self.configuration)
        _ = session.start(now: .zero)
        #expect(session.received(Self.line("USER alice"), now: .zero) == [.send(.ok(""))])
        #expect(
            session.received(Self.line("PASS pw"), now: .zero) == [
                .authenticate(user: "alice", password: Array("pw".utf8))
            ])
        // Sent before the login's answer: they wait.
        #expect(session.received(Self.line("STAT"), now: .zero) == [])
        #expect(session.received(Self.line("NOOP"), now: .zero) == [])
        let actions = session.authenticationSucceeded(listing: [MaildropEntry(size: 10, uidl: "a")])
        #expect(sentLines(actions) == ["+OK Logged in.", "+OK 1 10", "+OK"])
        #expect(actions.allSatisfy { !$0.isFlowControl }, "a later deadline is armed when the earlier one fires")
    }

    @Test func aShorterAutologoutIsArmedAtLogin() {
        var session = POP3Session(
            configuration: POP3SessionConfiguration(timeouts: POP3Timeouts(preLogin: .seconds(60), idle: .seconds(30))))
        _ = session.start(now: .zero)
        _ = session.received(Self.line("USER alice"), now: Self.at(1))
        _ = session.received(Self.line("PASS pw"), now: Self.at(2))
        session.progressed(now: Self.at(3))
        let actions = session.authenticationSucceeded(listing: [])
        #expect(actions == [.send(.ok("Logged in.")), .armTimer(at: Self.at(33))])
    }

    @Test func tooMuchWaitingInputPausesReadingUntilItDrains() {
        var session = POP3Session(configuration: Self.configuration)
        _ = session.start(now: .zero)
        _ = session.received(Self.line("USER alice"), now: .zero)
        _ = session.received(Self.line("PASS pw"), now: .zero)
        var paused = 0
        for _ in 0..<3 { #expect(session.received(Self.line("CAPA"), now: .zero) == []) }
        let fourth = session.received(Self.line("CAPA"), now: .zero)
        #expect(fourth == [.pauseReading], "the limit is 4 lines")
        // Lines that were already read still queue, but the pause is asked for once.
        for _ in 0..<10 { paused += session.received(Self.line("CAPA"), now: .zero).count }
        #expect(paused == 0)
        let drained = session.authenticationFailed(.badCredentials)
        #expect(drained.last == .resumeReading)
        #expect(sentLines(drained).count == 1 + 14)
    }

    @Test func theByteLimitCountsToo() {
        var session = POP3Session(configuration: Self.configuration)
        _ = session.start(now: .zero)
        _ = session.received(Self.line("USER alice"), now: .zero)
        _ = session.received(Self.line("PASS pw"), now: .zero)
        let long = Self.line("NOOP " + String(repeating: "x", count: 1_000))
        #expect(session.received(long, now: .zero) == [.pauseReading])
    }

    @Test func stlsDropsWhatWasPipelinedBehindIt() {
        var session = POP3Session(configuration: POP3SessionConfiguration(tlsAvailable: true))
        _ = session.start(now: .zero)
        _ = session.received(Self.line("USER a"), now: .zero)
        _ = session.received(Self.line("PASS b"), now: .zero)
        for text in ["STLS", "USER mallory", "PASS injected"] { _ = session.received(Self.line(text), now: .zero) }
        let actions = session.authenticationFailed(.badCredentials)
        #expect(
            actions == [
                .send(.err(.auth, "Authentication failed.")), .send(.ok("Begin TLS negotiation now.")), .startTLS,
            ])
        #expect(session.received(Self.line("CAPA"), now: .zero).count == 1, "after the handshake it reads again")
    }

    @Test func theTimerReArmsForALaterDeadlineAndNeverForAPastOne() {
        var session = POP3Session(configuration: Self.configuration)
        _ = session.start(now: .zero)
        _ = session.received(Self.line("CAPA"), now: Self.at(30))
        // Fired at the first deadline, but a line came since: armed for 30 + 60.
        #expect(session.timerFired(now: Self.at(60)) == [.armTimer(at: Self.at(90))])
        let late = session.timerFired(now: Self.at(200))
        #expect(late == [.send(.err(nil, "Autologout: idle timeout.")), .close(.timeout)])
        #expect(session.timerFired(now: Self.at(300)) == [])
    }

    @Test func aClientWaitingForTheServerIsNotIdle() {
        var session = POP3Session(configuration: Self.configuration)
        _ = session.start(now: .zero)
        _ = session.received(Self.line("USER a"), now: .zero)
        _ = session.received(Self.line("PASS b"), now: Self.at(1))
        // The login takes longer than the pre-login timeout: the server owes the answer.
        #expect(session.timerFired(now: Self.at(61)) == [.armTimer(at: Self.at(121))])
        #expect(session.state == .authorization)
        session.progressed(now: Self.at(70))
        #expect(sentLines(session.authenticationFailed(.badCredentials)) == ["-ERR [AUTH] Authentication failed."])
        #expect(closes(session.timerFired(now: Self.at(130))) == .timeout)
    }

    @Test func aStalledReaderTimesOutWithoutAnAnswerMidMessage() {
        var session = Self.loggedIn()
        let retr = session.received(Self.line("RETR 2"), now: Self.at(10))
        #expect(retr == [.sendMessage(number: 2, status: .ok("200 octets"), bodyLines: nil, readAhead: [])])
        session.progressed(now: Self.at(20))  // a chunk went out
        #expect(session.timerFired(now: Self.at(600)) == [.armTimer(at: Self.at(620))])
        // Nothing more could be written: the client stopped reading.
        #expect(session.timerFired(now: Self.at(620)) == [.close(.timeout)])
        #expect(session.messageSent(number: 2) == [])
    }

    @Test func timeoutAndShutdownInUpdateLeaveTheAnswerToQuit() {
        var session = Self.loggedIn()
        _ = session.received(Self.line("DELE 1"), now: .zero)
        _ = session.deletionRecorded(number: 1, succeeded: true)
        #expect(session.received(Self.line("QUIT"), now: .zero) == [.commitDeletions(numbers: [1])])
        #expect(session.shutdown() == [], "QUIT's own answer ends the session")
        #expect(session.timerFired(now: Self.at(1_000)) == [.close(.timeout)], "an UPDATE that hangs is dropped")
        #expect(session.updateFinished(succeeded: true) == [])
    }

    @Test func shutdownMidMessageClosesWithoutAnAnswer() {
        var session = Self.loggedIn()
        _ = session.received(Self.line("RETR 1"), now: .zero)
        #expect(session.shutdown() == [.close(.shutdown)])
    }

    @Test func readAheadIsDroppedWhenNoQueuedRetrWantsIt() {
        var session = Self.loggedIn(sizes: [100, 200, 300])
        _ = session.received(Self.line("DELE 3"), now: .zero)
        for text in ["RETR 1", "DELE 2", "RETR 2"] { _ = session.received(Self.line(text), now: .zero) }
        let afterDele = session.deletionRecorded(number: 3, succeeded: true)
        #expect(afterDele.last == .sendMessage(number: 1, status: .ok("100 octets"), bodyLines: nil, readAhead: [2]))
        #expect(session.messageSent(number: 1) == [.recordDeletion(number: 2)])
        // Message 2 is gone before its RETR: the data read ahead for it is wanted no more.
        let last = session.deletionRecorded(number: 2, succeeded: true)
        #expect(sentLines(last) == ["+OK Message 2 deleted.", "-ERR Message 2 already deleted."])
        #expect(last.last == .dropReadAhead)
    }

    @Test func queuedRetrsOfSmallMessagesAreReadAhead() {
        var session = Self.loggedIn(sizes: [100, 200, 100_000, 300])
        // The first RETR waits for nothing; the others are queued behind a DELE's journal write.
        _ = session.received(Self.line("DELE 4"), now: .zero)
        for text in ["RETR 1", "RETR 2", "RETR 3", "RETR 4", "RETR 1"] {
            _ = session.received(Self.line(text), now: .zero)
        }
        let afterDele = session.deletionRecorded(number: 4, succeeded: true)
        // RETR 1 reads ahead 2 (3 is too big and ends the run, 4 is deleted, 1 is itself).
        #expect(afterDele.last == .sendMessage(number: 1, status: .ok("100 octets"), bodyLines: nil, readAhead: [2]))
        #expect(!afterDele.contains(.dropReadAhead))
        // Five lines waited, over this session's limit of four: reading resumes once they drain below it.
        let first = session.messageSent(number: 1)
        #expect(
            first == [
                .sendMessage(number: 2, status: .ok("200 octets"), bodyLines: nil, readAhead: []), .resumeReading,
            ])
        // RETR 2 was read ahead: its RETR looks at nothing. RETR 3 (too big to read ahead itself) reads ahead 1.
        #expect(
            session.messageSent(number: 2) == [
                .sendMessage(number: 3, status: .ok("100000 octets"), bodyLines: nil, readAhead: [1])
            ])
        let third = session.messageSent(number: 3)
        #expect(sentLines(third).count == 1, "RETR 4 names a deleted message: \(third)")
        #expect(third.last == .sendMessage(number: 1, status: .ok("100 octets"), bodyLines: nil, readAhead: []))
        // Everything read ahead was asked for: nothing to drop.
        #expect(session.messageSent(number: 1) == [])
    }

    /// Thunderbird, Outlook, mpop and fetchmail, each in one write (as pipelining clients send), through the queue.
    @Test(arguments: [
        ["CAPA", "USER alice", "PASS pw", "STAT", "LIST", "UIDL", "TOP 1 0", "RETR 1", "DELE 1", "QUIT"],
        ["AUTH", "AUTH NTLM", "USER alice", "PASS pw", "STAT", "UIDL", "RETR 1", "QUIT"],
        ["CAPA", "AUTH PLAIN AGFsaWNlAHB3", "STAT", "UIDL", "RETR 1", "QUIT"],
        ["CAPA", "USER alice", "PASS pw", "STAT", "LIST", "UIDL 1", "RETR 1", "DELE 1", "QUIT"],
    ])
    func clientTranscriptsThroughTheQueue(commands: [String]) {
        var session = POP3Session(configuration: Self.configuration)
        var answers = sentLines(session.start(now: .zero))
        var actions: [POP3SessionAction] = []
        for command in commands { actions += session.received(Self.line(command), now: .zero) }
        var steps = 0
        while steps < 50, let action = actions.first(where: \.isAsynchronous) {
            steps += 1
            answers += sentLines(Array(actions.prefix { !$0.isAsynchronous }))
            switch action {
            case .authenticate:
                actions = session.authenticationSucceeded(listing: [MaildropEntry(size: 12, uidl: "u1")])
            case .sendMessage(let number, let status, _, _):
                answers.append(String(decoding: status.encoded().dropLast(2), as: UTF8.self))
                actions = session.messageSent(number: number)
            case .recordDeletion(let number): actions = session.deletionRecorded(number: number, succeeded: true)
            case .commitDeletions: actions = session.updateFinished(succeeded: true)
            default: actions = []
            }
        }
        answers += sentLines(actions)
        #expect(answers.first == "+OK pop3d ready.")
        #expect(answers.count == commands.count + 1, "one answer per command: \(answers)")
        #expect(answers.last?.hasPrefix("+OK Logging out") == true, "\(answers)")
        #expect(session.state == .closed)
    }
}

extension POP3SessionAction {
    /// Waits for a callback.
    var isAsynchronous: Bool {
        switch self {
        case .authenticate, .sendMessage, .recordDeletion, .resetDeletions, .commitDeletions: true
        default: false
        }
    }
}
