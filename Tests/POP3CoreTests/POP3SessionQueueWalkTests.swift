import Testing

@testable import POP3Core

/// Random walks through the session's real entry points (lines through the queue, results through callbacks, the
/// timer), checking what must hold whatever the client sends and whenever results come.
@Suite struct POP3SessionQueueWalkTests {
    static let vocabulary = [
        "CAPA", "USER alice", "PASS pw", "AUTH PLAIN AGFsaWNlAHB3", "STAT", "LIST", "UIDL", "RETR 1", "RETR 2",
        "TOP 2 1", "DELE 1", "DELE 3", "RSET", "NOOP", "QUIT", "STLS", "XYZZY", "RETR 99", "",
    ]

    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func invariantsHoldOnRandomWalks(seed: UInt64) {
        var random = SplitMix64(state: seed)
        for _ in 0..<200 {
            var session = POP3Session(
                configuration: POP3SessionConfiguration(
                    tlsAvailable: Bool.random(using: &random),
                    timeouts: POP3Timeouts(preLogin: .seconds(60), idle: .seconds(600)),
                    inputLimit: POP3InputLimit(lines: 3, bytes: 200)))
            var walk = Walk()
            walk.check(session.start(now: walk.now), now: walk.now)
            for _ in 0..<Int.random(in: 1...60, using: &random) {
                walk.now = POP3Instant(
                    nanoseconds: walk.now.nanoseconds + UInt64.random(in: 0...90, using: &random) * 1_000_000_000)
                switch Int.random(in: 0..<10, using: &random) {
                case 0..<6:
                    let inbound: POP3Inbound =
                        Int.random(in: 0..<20, using: &random) == 0
                        ? .lineTooLong : .line(Array(Self.vocabulary.randomElement(using: &random)!.utf8))
                    walk.check(session.received(inbound, now: walk.now), now: walk.now)
                case 6..<9:
                    guard let pending = walk.pending else { continue }
                    let ok = Int.random(in: 0..<5, using: &random) > 0
                    walk.pending = nil
                    session.progressed(now: walk.now)
                    walk.check(Self.result(of: pending, ok: ok, on: &session), now: walk.now)
                default:
                    walk.check(session.timerFired(now: walk.now), now: walk.now)
                }
                if walk.closed { break }
            }
        }
    }

    static func result(of action: POP3SessionAction, ok: Bool, on session: inout POP3Session) -> [POP3SessionAction] {
        switch action {
        case .authenticate:
            ok
                ? session.authenticationSucceeded(
                    listing: [10, 20, 30].map { MaildropEntry(size: $0, uidl: "u\($0)") })
                : session.authenticationFailed(.badCredentials)
        case .sendMessage(let number, _, _, _):
            ok ? session.messageSent(number: number) : session.messageUnavailable(number: number)
        case .recordDeletion(let number): session.deletionRecorded(number: number, succeeded: ok)
        case .resetDeletions: session.deletionsReset(succeeded: ok)
        case .commitDeletions: session.updateFinished(succeeded: ok)
        default: []
        }
    }

    /// What the walk has seen so far, and the invariants over each batch of actions.
    struct Walk {
        var now = POP3Instant(nanoseconds: 1_000_000_000)
        var pending: POP3SessionAction?
        var paused = false
        var closed = false

        mutating func check(_ actions: [POP3SessionAction], now: POP3Instant) {
            #expect(!closed || actions.isEmpty, "a closed session acted: \(actions)")
            for (index, action) in actions.enumerated() {
                switch action {
                case .authenticate, .authenticateBearer, .lookUpSCRAM, .authenticateSCRAM, .sendMessage,
                    .recordDeletion,
                    .resetDeletions, .commitDeletions:
                    #expect(pending == nil, "a second asynchronous step while \(String(describing: pending)) runs")
                    #expect(index == actions.count - 1 || actions[(index + 1)...].allSatisfy(\.isFlowControl))
                    pending = action
                case .pauseReading:
                    #expect(!paused, "paused twice")
                    paused = true
                case .resumeReading:
                    #expect(paused, "resumed without a pause")
                    paused = false
                case .armTimer(let deadline):
                    #expect(deadline > now, "a timer armed for the past: \(deadline) at \(now)")
                case .close:
                    #expect(index == actions.count - 1, "an action after close: \(actions)")
                    closed = true
                case .send, .startTLS, .dropReadAhead, .recordRetrieval:
                    break
                }
            }
        }
    }
}

extension POP3SessionAction {
    var isFlowControl: Bool {
        switch self {
        case .pauseReading, .resumeReading, .armTimer, .dropReadAhead: true
        default: false
        }
    }
}
