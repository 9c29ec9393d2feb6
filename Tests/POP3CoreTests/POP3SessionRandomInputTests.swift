import Testing

@testable import POP3Core

/// Random lines and random callbacks must never trap, and the session must keep its invariants.
@Suite struct POP3SessionRandomInputTests {
    private static let words = [
        "USER", "PASS", "QUIT", "STAT", "NOOP", "RSET", "CAPA", "STLS", "LIST", "UIDL", "RETR", "DELE", "TOP",
        "AUTH", "APOP", "PLAIN", "*", "=", "0", "1", "2", "-1", "99999999999999999999", "abc", "AGEAYg==", "",
    ]

    /// Whole valid lines, so the walk gets past login and into every TRANSACTION command.
    private static let lines = [
        "USER alice", "PASS secret", "AUTH PLAIN AGFsaWNlAHB3", "AUTH PLAIN", "STAT", "LIST", "LIST 2", "UIDL",
        "UIDL 1", "RETR 1", "RETR 3", "TOP 2 0", "DELE 1", "DELE 2", "RSET", "NOOP", "CAPA", "QUIT", "STLS",
    ]

    private func randomLine(_ random: inout SplitMix64) -> [UInt8] {
        switch Int.random(in: 0..<3, using: &random) {
        case 0:
            let logins = ["USER alice", "PASS secret", "AUTH PLAIN AGFsaWNlAHB3"]
            let pool = Bool.random(using: &random) ? logins : Self.lines
            return Array(pool.randomElement(using: &random)!.utf8)
        case 1: break
        default:
            let count = Int.random(in: 0...40, using: &random)
            return (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
        }
        let count = Int.random(in: 1...4, using: &random)
        let text = (0..<count).map { _ in Self.words.randomElement(using: &random)! }.joined(separator: " ")
        return Array((Bool.random(using: &random) ? text.lowercased() : text).utf8)
    }

    @Test(arguments: [1, 2, 3, 4])
    func randomLinesAndCallbacksNeverCrash(seed: UInt64) {
        var random = SplitMix64(state: seed)
        var sessionsLoggedIn = 0
        for _ in 0..<100 {
            let configuration = POP3SessionConfiguration(
                tlsAvailable: Bool.random(using: &random),
                plaintextAuthAllowed: Int.random(in: 0..<4, using: &random) > 0,
                maxBadCommandsBeforeLogin: Int.random(in: 5...30, using: &random),
                maxBadCommandsAfterLogin: Int.random(in: 5...30, using: &random))
            var session = POP3Session(configuration: configuration)
            _ = session.start()
            var request: POP3SessionAction? = nil
            for _ in 0..<200 {
                let actions: [POP3SessionAction]
                if session.isAwaitingResult, let pending = request, Int.random(in: 0..<4, using: &random) > 0 {
                    actions = answer(pending, of: &session, &random)
                } else {
                    actions = randomEvent(&session, &random)
                }
                if let next = actions.last(where: { if case .send = $0 { false } else { true } }) { request = next }
                for case .send(let response) in actions {
                    #expect(response.encoded().suffix(2) == [13, 10])
                }
                if closes(actions) != nil { #expect(session.state == .closed) }
                if session.state == .transaction, session.user == nil { Issue.record("transaction without a user") }
                if session.state == .closed {
                    #expect(session.receiveLine(Array("NOOP".utf8)) == [])
                    break
                }
            }
            if session.user != nil { sessionsLoggedIn += 1 }
        }
        // The random walk must reach TRANSACTION often, or it tests only AUTHORIZATION.
        #expect(sessionsLoggedIn >= 10)
    }

    /// The callback the handler would give for `request`, with a random outcome.
    private func answer(
        _ request: POP3SessionAction,
        of session: inout POP3Session,
        _ random: inout SplitMix64
    ) -> [POP3SessionAction] {
        let succeeded = Int.random(in: 0..<5, using: &random) > 0
        switch request {
        case .authenticate:
            let listing = (0..<Int.random(in: 0...4, using: &random)).map {
                MaildropEntry(size: $0 * 10, uidl: "u\($0)")
            }
            return succeeded
                ? session.authenticationSucceeded(listing: listing)
                : session.authenticationFailed(.badCredentials)
        case .sendMessage(let number, _, _, _):
            return succeeded ? session.messageSent(number: number) : session.messageUnavailable(number: number)
        case .recordDeletion(let number): return session.deletionRecorded(number: number, succeeded: succeeded)
        case .resetDeletions: return session.deletionsReset(succeeded: succeeded)
        case .commitDeletions: return session.updateFinished(succeeded: succeeded)
        default: return randomEvent(&session, &random)
        }
    }

    /// A random line, or a callback that may well arrive without its action.
    private func randomEvent(_ session: inout POP3Session, _ random: inout SplitMix64) -> [POP3SessionAction] {
        let number = Int.random(in: -1...5, using: &random)
        let succeeded = Bool.random(using: &random)
        switch Int.random(in: 0..<100, using: &random) {
        case 0: return session.authenticationSucceeded(listing: [MaildropEntry(size: 1, uidl: "x")])
        case 1: return session.authenticationFailed(.maildropInUse)
        case 2: return session.messageSent(number: number)
        case 3: return session.messageUnavailable(number: number)
        case 4: return session.deletionRecorded(number: number, succeeded: succeeded)
        case 5: return session.deletionsReset(succeeded: succeeded)
        case 6: return session.updateFinished(succeeded: succeeded)
        case 7: return session.lineTooLong()
        case 8: return succeeded ? session.idleTimeout() : session.shutdown()
        default: return session.receiveLine(randomLine(&random))
        }
    }

    @Test func randomBytesNeverCrashTheParser() {
        var random = SplitMix64(state: 42)
        for _ in 0..<5_000 {
            let line = randomLine(&random)
            if case .success(let command) = POP3CommandParser.parse(line) {
                #expect(command.keyword.rawValue.count >= 3)
            }
            _ = StrictBase64.decode(line)
            _ = SASLPlainResponse.decode(line)
        }
    }
}
