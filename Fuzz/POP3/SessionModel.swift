@testable import POP3Core

/// What the session must look like, rebuilt from the actions it returned and the callbacks it accepted. The driver
/// compares it with the real session after every call.
struct SessionModel {
    enum Pending: Equatable {
        case authentication(user: String)
        case message(number: Int, isTop: Bool)
        case deletion(number: Int)
        case reset
        case update
    }

    var state: POP3SessionState = .authorization
    var tlsAvailable: Bool
    var tlsActive: Bool
    var user: String?
    var listing: [MaildropEntry] = []
    var deleted: Set<Int> = []
    var pending: Pending?
    var counters = SessionCounters()
    /// Logins refused for bad credentials so far; the connection closes at `maxFailedLogins`.
    var failedLogins = 0
    let maxFailedLogins: Int

    init(configuration: POP3SessionConfiguration) {
        tlsAvailable = configuration.tlsAvailable
        tlsActive = configuration.tlsActive
        maxFailedLogins = configuration.maxFailedLogins
    }

    var isClosed: Bool { state == .closed }

    var isSendingMessage: Bool {
        if case .message? = pending { return true }
        return false
    }

    /// Message numbers not marked deleted, ascending.
    var visibleNumbers: [Int] { listing.indices.map { $0 + 1 }.filter { !deleted.contains($0) } }

    var visibleOctets: Int { visibleNumbers.reduce(0) { $0 + listing[$1 - 1].size } }

    func isVisible(_ number: Int) -> Bool {
        number >= 1 && number <= listing.count && !deleted.contains(number)
    }

    /// Checks one batch of actions against the rules of the protocol and the model, then applies it.
    mutating func apply(_ actions: [POP3SessionAction]) {
        let asynchronous = actions.filter(Self.isAsynchronous)
        invariant(asynchronous.count <= 1, "more than one asynchronous action: \(actions)")
        if let last = asynchronous.last { invariant(actions.last == last, "an action after \(last): \(actions)") }
        for (index, action) in actions.enumerated() {
            apply(action, at: index, of: actions)
        }
    }

    private mutating func apply(_ action: POP3SessionAction, at index: Int, of actions: [POP3SessionAction]) {
        switch action {
        case .send(let response):
            ResponseInvariants.check(response)
        case .authenticate(let name, _):
            invariant(
                state == .authorization && pending == nil,
                "authenticate in \(state), pending \(String(describing: pending))")
            invariant(POP3CommandParser.userName(Array(name.utf8)) == name, "authenticate with a bad user name \(name)")
            pending = .authentication(user: name)
        case .sendMessage(let number, let status, let bodyLines, let readAhead):
            expectMessageAction(number)
            let size = listing[number - 1].size
            invariant(status == .messageFollows(size: size), "status \(status) for message \(number) of \(size)")
            invariant(bodyLines == nil || readAhead.isEmpty, "read-ahead for TOP")
            invariant(readAhead.allSatisfy { isVisible($0) && $0 != number }, "read-ahead of \(readAhead)")
            invariant((bodyLines ?? 0) >= 0, "negative TOP line count")
            pending = .message(number: number, isTop: bodyLines != nil)
        case .recordDeletion(let number):
            expectMessageAction(number)
            pending = .deletion(number: number)
        case .resetDeletions:
            invariant(state == .transaction && pending == nil && !deleted.isEmpty, "resetDeletions out of place")
            pending = .reset
        case .commitDeletions(let numbers, _):
            invariant(state == .transaction && pending == nil, "commitDeletions in \(state)")
            invariant(!numbers.isEmpty && numbers == deleted.sorted(), "commits \(numbers), marked \(deleted.sorted())")
            state = .update
            pending = .update
        case .startTLS:
            invariant(state == .authorization && tlsAvailable && !tlsActive, "startTLS not offered")
            invariant(index > 0 && Self.isOK(actions[index - 1]), "startTLS without +OK first: \(actions)")
            tlsActive = true
        case .close:
            invariant(index == actions.count - 1, "an action after close: \(actions)")
            invariant(index > 0 || state == .update || isSendingMessage, "close without a last answer")
            state = .closed
            pending = nil
        case .armTimer:
            break
        case .recordRetrieval:
            // The fuzzer's sessions log in without a policy: EXPIRE NEVER notes no retrieval.
            invariant(false, "recordRetrieval without an EXPIRE policy: \(actions)")
        case .pauseReading, .resumeReading, .dropReadAhead:
            invariant(false, "input flow control while lines come one at a time: \(actions)")
        case .authenticateBearer, .lookUpSCRAM, .authenticateSCRAM:
            // The fuzzed configuration offers neither OAuth nor SCRAM.
            invariant(false, "a mechanism that is not offered: \(actions)")
        }
    }

    private func expectMessageAction(_ number: Int) {
        invariant(state == .transaction && pending == nil, "message action in \(state)")
        invariant(isVisible(number), "message action for \(number), not a visible message")
    }

    private static func isAsynchronous(_ action: POP3SessionAction) -> Bool {
        switch action {
        case .authenticate, .authenticateBearer, .lookUpSCRAM, .authenticateSCRAM, .sendMessage, .recordDeletion,
            .resetDeletions, .commitDeletions:
            true
        case .send, .startTLS, .close, .armTimer, .pauseReading, .resumeReading, .dropReadAhead, .recordRetrieval:
            false
        }
    }

    static func isOK(_ action: POP3SessionAction) -> Bool {
        if case .send(.ok) = action { return true }
        return false
    }

    static func isError(_ action: POP3SessionAction?) -> Bool {
        if case .send(.err)? = action { return true }
        return false
    }

    /// The real session agrees with the model.
    func compare(with session: POP3Session) {
        invariant(session.state == state, "state \(session.state), expected \(state)")
        invariant(
            session.isAwaitingResult == (pending != nil),
            "isAwaitingResult \(session.isAwaitingResult), pending \(String(describing: pending))")
        invariant(session.counters == counters, "counters \(session.counters), expected \(counters)")
        if state == .transaction || state == .update {
            invariant(
                session.user == user, "user \(String(describing: session.user)), expected \(String(describing: user))")
        }
    }
}

extension POP3SessionAction {
    var isArmTimer: Bool {
        if case .armTimer = self { return true }
        return false
    }
}
