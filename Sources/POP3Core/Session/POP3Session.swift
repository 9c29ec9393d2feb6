/// The POP3 conversation of one connection as a value: lines, I/O results and timer events in, actions out; no I/O
/// here. It owns the whole session: the input queue and its bound, pipelining order, AUTHORIZATION, TRANSACTION and
/// UPDATE, what a timeout or a shutdown does in each state, read-ahead decisions and the timer.
///
/// The handler passes every framed line to `received(_:now:)`, performs the actions, and reports each result
/// through its callback, which answers the lines that waited meanwhile. Events that arrive out of turn (a callback
/// without its action, anything after close) return `[]`.
public struct POP3Session: Sendable {
    public internal(set) var state: POP3SessionState = .authorization
    /// The logged-in user, set once a login succeeds.
    public internal(set) var user: String?
    public internal(set) var counters = SessionCounters()
    /// The logged-in user's LOGIN-DELAY and EXPIRE; nil before login.
    public internal(set) var policy: MailboxPolicy?

    var configuration: POP3SessionConfiguration
    var pending: POP3PendingStep = .none
    /// The name from USER; PASS is only accepted right after it.
    var userFromUSER: String?
    var maildrop = MaildropView()
    var badCommandsInARow = 0
    var failedLogins = 0
    private var started = false
    /// Lines waiting for their turn.
    var inbox = POP3Inbox()
    /// True after `pauseReading` until `resumeReading`.
    var readingPaused = false
    /// Messages the handler was asked to read ahead and no RETR has asked for yet.
    var readAhead: Set<Int> = []
    /// The last line received or message chunk written, for the timer.
    var lastActivity = POP3Instant.zero
    /// The deadline the handler's timer is armed for.
    var armedDeadline: POP3Instant?

    public init(configuration: POP3SessionConfiguration) {
        self.configuration = configuration
    }

    /// True between an asynchronous action and its callback.
    public var isAwaitingResult: Bool { pending.awaitsCallback }

    /// The greeting; only the first call answers.
    public mutating func start() -> [POP3SessionAction] {
        guard !started, state == .authorization else { return [] }
        started = true
        return [.send(.ok(configuration.greeting))]
    }

    /// One command line, without its line end, answered at once (the queue is bypassed: tests and the fuzzer use
    /// this to drive the conversation line by line).
    mutating func receiveLine(_ line: [UInt8]) -> [POP3SessionAction] {
        guard isOpen, !isAwaitingResult else { return [] }
        // The framer lets longer lines through only where bearer tokens are accepted, and only for them.
        if line.count > POP3Limits.maxCommandLineOctets, !mayCarryBearerToken(line) { return lineTooLong() }
        switch pending {
        case .saslResponse:
            pending = .none
            return finishAuthPlain(response: line)
        case .bearerResponse(let mechanism):
            pending = .none
            return finishBearer(mechanism, response: line)
        case .bearerErrorAcknowledgement:
            pending = .none
            return bearerRefused()
        case .scramClientFirst:
            pending = .none
            return receiveSCRAMClientFirst(line)
        case .scramClientFinal(let exchange):
            pending = .none
            return receiveSCRAMClientFinal(line, exchange: exchange)
        case .scramServerFinal(let name, let listing, let policy):
            pending = .none
            return receiveSCRAMServerFinalAnswer(line, user: name, listing: listing, policy: policy)
        default:
            break
        }
        let parsed = POP3CommandParser.parse(line)
        if state == .authorization, !Self.isPass(parsed) {
            userFromUSER = nil
        }
        switch parsed {
        case .failure(let error):
            return reject(error)
        case .success(let command):
            guard command.keyword.isValid(in: state) else { return badCommand(.err(nil, POP3ErrorText.wrongState)) }
            return state == .authorization ? authorization(command) : transaction(command)
        }
    }

    /// The framer discarded a line over the length limit; counts as a bad command.
    mutating func lineTooLong() -> [POP3SessionAction] {
        guard isOpen, !isAwaitingResult else { return [] }
        if pending == .bearerErrorAcknowledgement {
            pending = .none
            return bearerRefused()
        }
        if case .scramServerFinal = pending {
            return close(.quit, after: .err(nil, POP3ErrorText.authenticationAborted))
        }
        pending = .none
        userFromUSER = nil
        return badCommand(.err(nil, POP3ErrorText.lineTooLong))
    }

    /// The session timed out: answer and close; nothing is deleted. In the middle of a message (a client that
    /// stopped reading) no answer can go on the wire, and in UPDATE the deletions are already being applied (the
    /// journal finishes them): both just close.
    mutating func idleTimeout() -> [POP3SessionAction] {
        guard isOpen || state == .update else { return [] }
        if isStreamingMessage || state == .update {
            return closeSilently(.timeout)
        }
        return close(.timeout, after: .err(nil, POP3ErrorText.idleTimeout))
    }

    /// The server is stopping: answer and close; never commits deletions. A QUIT being applied ends the session
    /// with its own answer, so UPDATE is left alone; in the middle of a message the session just closes.
    public mutating func shutdown() -> [POP3SessionAction] {
        guard isOpen else { return [] }
        if isStreamingMessage { return closeSilently(.shutdown) }
        return close(.shutdown, after: .err(.sysTemp, POP3ErrorText.shuttingDown))
    }

    /// The maildrop lock was lost (cluster mode: the node's lock connection broke): a logged-in session answers
    /// and closes without committing, like a shutdown. A QUIT being applied finds out itself before it unlinks.
    public mutating func lockLost() -> [POP3SessionAction] {
        guard state == .transaction else { return [] }
        if isStreamingMessage { return closeSilently(.lockLost) }
        return close(.lockLost, after: .err(.sysTemp, POP3ErrorText.lockLost))
    }

    /// True while a RETR or TOP answer is on its way to the client.
    var isStreamingMessage: Bool {
        if case .message = pending { return true }
        return false
    }

    var isOpen: Bool { state == .authorization || state == .transaction }

    /// Forgets the maildrop listing and hands it over, so that a big one can be freed off the caller's thread.
    public mutating func releaseListing() -> any Sendable {
        defer { maildrop = MaildropView() }
        return maildrop
    }

    private static func isPass(_ parsed: Result<POP3Command, POP3ParseError>) -> Bool {
        if case .success(.pass) = parsed { return true }
        return false
    }

    private mutating func reject(_ error: POP3ParseError) -> [POP3SessionAction] {
        if let keyword = error.keyword, !keyword.isValid(in: state) {
            return badCommand(.err(nil, POP3ErrorText.wrongState))
        }
        switch error {
        case .empty: return badCommand(.err(nil, POP3ErrorText.emptyCommand))
        case .unknownCommand: return badCommand(.err(nil, POP3ErrorText.unknownCommand))
        case .badArgument(let keyword): return badCommand(.err(nil, POP3ErrorText.syntax(keyword)))
        case .noSuchMessageNumber: return badCommand(.err(nil, POP3ErrorText.noSuchMessage))
        case .invalidUserName: return badCommand(.err(nil, POP3ErrorText.invalidUserName))
        case .proxyHeader:
            // A balancer's header from an address not in --proxy-trusted-network: its address claim is never
            // believed, and relaying clients under the balancer's address would be wrong too.
            return close(.protocolViolation, after: .err(nil, POP3ErrorText.proxyHeaderRefused))
        }
    }

    /// A successful command: answer and end any run of bad commands.
    mutating func succeed(_ response: POP3Response, then more: [POP3SessionAction] = []) -> [POP3SessionAction] {
        badCommandsInARow = 0
        return [.send(response)] + more
    }

    /// A command the client got wrong: answer, or close once too many came in a row.
    mutating func badCommand(_ response: POP3Response) -> [POP3SessionAction] {
        badCommandsInARow += 1
        let limit =
            state == .authorization
            ? configuration.maxBadCommandsBeforeLogin : configuration.maxBadCommandsAfterLogin
        if badCommandsInARow >= limit {
            return close(.tooManyBadCommands, after: .err(nil, POP3ErrorText.tooManyBadCommands))
        }
        return [.send(response)]
    }

    mutating func close(_ end: SessionEnd, after response: POP3Response) -> [POP3SessionAction] {
        [.send(response)] + closeSilently(end)
    }

    mutating func closeSilently(_ end: SessionEnd) -> [POP3SessionAction] {
        state = .closed
        pending = .none
        userFromUSER = nil
        inbox.removeAll()
        return [.close(end)]
    }

    /// The RSET answer: what the maildrop holds once deletions are undone.
    var maildropSummary: String {
        "Maildrop has \(maildrop.visibleCount) messages (\(maildrop.visibleOctets) octets)."
    }
}
