import MonitorProtocol

/// A point on a monotonic clock, in nanoseconds, given by the caller: the state machine reads no clock, so tests
/// move time by hand and the handler passes its event loop's time.
struct MonitorInstant: Comparable, Hashable, Sendable {
    var nanoseconds: UInt64

    static func < (lhs: MonitorInstant, rhs: MonitorInstant) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    static func + (lhs: MonitorInstant, rhs: Duration) -> MonitorInstant {
        let (seconds, attoseconds) = rhs.components
        let nanoseconds = max(0, seconds) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        return MonitorInstant(nanoseconds: lhs.nanoseconds &+ UInt64(nanoseconds))
    }
}

/// What the log line of one answered request (or framing error) says; each one also counts as a monitor request.
struct MonitorRequestRecord: Equatable, Sendable {
    var admin: String?
    var request: String
    var status: MonitorStatus
    /// The failure message, for anything but `ok`.
    var detail: String?
}

/// One monitor connection without the channel: frames requests, starts them one at a time so answers go out in
/// order, and decides when to hold reads, arm the timer and close. The handler executes the actions it returns.
///
/// A wrong token ends the connection: its answer waits for the wrong-token delay, then goes out and the connection
/// closes; requests pipelined behind it are never answered. A connection over the listener's caps is refused: its
/// first request is answered with the refusal and the connection closed, and it has only the frame time, counted
/// from the connect, to send that request.
struct MonitorConnectionStateMachine {
    /// Complete frames waiting beyond this many stop reading from the socket until the queue drains.
    static let maxQueuedFrames = 16

    enum Action: Equatable, Sendable {
        /// Answer the frame off the event loop, then call `requestFinished`.
        case startRequest(MonitorRequestFrame)
        /// Count one monitor request and log it.
        case record(MonitorRequestRecord)
        /// Write and flush; when `thenClose`, close once the write completes so the client reads it before the FIN.
        case send([UInt8], thenClose: Bool)
        /// Close now, with nothing more to send.
        case close(CloseReason)
        /// Pass on the read that `readRequested` held.
        case resumeReading
        /// (Re-)arm the connection's one timer for this instant, replacing any armed before; call `timerFired` then.
        case armTimer(at: MonitorInstant)
        case cancelTimer
    }

    enum CloseReason: Equatable, Sendable {
        /// A frame was still incomplete at its deadline.
        case frameIncomplete
        /// Nothing arrived and nothing was in progress for the idle time.
        case idle
        /// Everything asked for is answered and no more requests can come.
        case finished
        case error
    }

    enum ReadDecision: Equatable, Sendable {
        case read
        case hold
    }

    /// Why no more requests will be framed.
    enum InputEnd: Equatable {
        /// The client half-closed: what was framed is answered, then the connection closes.
        case closedByClient
        /// A v1 frame is the connection's only request: later bytes are ignored.
        case v1FrameReceived
        /// The stream cannot be framed: the error is answered after the frames before it, then the connection closes.
        case unframable(MonitorFrameError)
    }

    enum Input: Equatable {
        case open
        case ended(InputEnd)
    }

    enum Work: Equatable {
        case waiting
        /// One request is in flight; a v1 answer ends the connection.
        case answering(MonitorVersion)
    }

    /// The connection's one timer: the two deadlines never run together (the frame deadline needs buffered bytes,
    /// the idle one none).
    enum Deadline: Equatable {
        /// Part of a frame is buffered and must be complete by then.
        case frame(MonitorInstant)
        /// Nothing is buffered or in progress.
        case idle(MonitorInstant)

        var instant: MonitorInstant {
            switch self {
            case .frame(let instant), .idle(let instant): instant
            }
        }
    }

    struct Connection {
        /// Framed and not started, in arrival order.
        var queue: ArraySlice<MonitorRequestFrame> = []
        var input = Input.open
        var work = Work.waiting
        var deadline: Deadline?
        var writable = true
        /// A read was asked for while the queue was full.
        var readHeld = false
    }

    enum State {
        case connecting
        case open(Connection)
        /// A request's token was wrong: `answer` is sent at `sendAt` and the connection closed; nothing more is read.
        case wrongToken(answer: [UInt8], sendAt: MonitorInstant)
        /// Closed by the server (maybe after a last answer is flushed); waiting for the channel to go inactive.
        case closing
        case closed
    }

    private(set) var state = State.connecting
    /// Kept out of `state`, so feeding it never copies its buffer.
    private var decoder = MonitorRequestDecoder()
    private let frameTimeout: Duration
    private let idleTimeout: Duration
    private let wrongTokenDelay: Duration
    /// Set for a connection over the listener's caps: the answer to its first request.
    private let refusal: MonitorFailure?

    init(
        frameTimeout: Duration, idleTimeout: Duration,
        wrongTokenDelay: Duration = .seconds(MonitorLimits.wrongTokenDelaySeconds), refusal: MonitorFailure? = nil
    ) {
        self.frameTimeout = frameTimeout
        self.idleTimeout = idleTimeout
        self.wrongTokenDelay = wrongTokenDelay
        self.refusal = refusal
    }

    // MARK: Inputs

    mutating func channelActive(now: MonitorInstant) -> [Action] {
        guard case .connecting = state else { return [] }
        var connection = Connection()
        // A refused connection gets no idle time: its one request must be complete within the frame time.
        connection.deadline = refusal == nil ? .idle(now + idleTimeout) : .frame(now + frameTimeout)
        state = .open(connection)
        return retimed([], since: nil)
    }

    mutating func bytesReceived(_ bytes: some Sequence<UInt8>, now: MonitorInstant) -> [Action] {
        guard case .open(var connection) = state, connection.input == .open else { return [] }
        let before = armedDeadline
        decoder.feed(bytes)
        let completed = connection.decodeFrames(from: &decoder)
        if refusal != nil {
            // The deadline from the connect stands until the refusal is answered.
        } else if connection.input == .open, decoder.bufferedByteCount > 0 {
            // A frame in progress keeps its deadline; the next one gets its own from now.
            if completed || connection.frameDeadline == nil { connection.deadline = .frame(now + frameTimeout) }
        } else {
            connection.deadline = nil
        }
        state = .open(connection)
        let actions = advance(now: now)
        return retimed(actions, since: before)
    }

    mutating func inputClosed(now: MonitorInstant) -> [Action] {
        guard case .open(var connection) = state else { return [] }
        let before = armedDeadline
        if connection.input == .open { connection.input = .ended(.closedByClient) }
        connection.deadline = nil
        state = .open(connection)
        let actions = advance(now: now)
        return retimed(actions, since: before)
    }

    mutating func writabilityChanged(isWritable: Bool, now: MonitorInstant) -> [Action] {
        guard case .open(var connection) = state else { return [] }
        let before = armedDeadline
        connection.writable = isWritable
        state = .open(connection)
        let actions = advance(now: now)
        return retimed(actions, since: before)
    }

    /// The answer to the request in flight. It is counted and logged even when the connection closed meanwhile,
    /// but then not sent.
    mutating func requestFinished(_ outcome: MonitorOutcome, now: MonitorInstant) -> [Action] {
        var detail: String?
        if outcome.status != .ok, case .failure(let message) = outcome.response.body { detail = message }
        let record = Action.record(
            MonitorRequestRecord(admin: outcome.admin, request: outcome.request, status: outcome.status, detail: detail)
        )
        guard case .open(var connection) = state, case .answering(let version) = connection.work else {
            return [record]
        }
        let before = armedDeadline
        let bytes = outcome.response.encoded()
        if outcome.status == .authenticationFailed {
            // Answered late and then closed, so a connection cannot pipeline token guesses; queued requests and
            // any later bytes are dropped unanswered.
            state = .wrongToken(answer: bytes, sendAt: now + wrongTokenDelay)
            return retimed([record], since: before)
        }
        guard version == .v2 else {
            state = .closing
            return retimed([record, .send(bytes, thenClose: true)], since: before)
        }
        connection.work = .waiting
        state = .open(connection)
        let actions = [record, .send(bytes, thenClose: false)] + advance(now: now)
        return retimed(actions, since: before)
    }

    /// Checks which deadline passed; a timer that fired early is armed again for the same deadline.
    mutating func timerFired(now: MonitorInstant) -> [Action] {
        if case .wrongToken(let answer, let sendAt) = state {
            guard now >= sendAt else { return [.armTimer(at: sendAt)] }
            state = .closing
            return [.send(answer, thenClose: true)]
        }
        guard case .open(let connection) = state, let deadline = connection.deadline else { return [] }
        guard now >= deadline.instant else { return [.armTimer(at: deadline.instant)] }
        state = .closing
        switch deadline {
        case .frame: return [.close(.frameIncomplete)]
        case .idle: return [.close(.idle)]
        }
    }

    mutating func errorCaught() -> [Action] {
        switch state {
        case .open, .wrongToken: break
        case .connecting, .closing, .closed: return []
        }
        let before = armedDeadline
        state = .closing
        return retimed([.close(.error)], since: before)
    }

    mutating func channelInactive() -> [Action] {
        let before = armedDeadline
        state = .closed
        return retimed([], since: before)
    }

    /// Whether to pass a read on to the socket: held while the queue is full, and once the connection is closing.
    mutating func readRequested() -> ReadDecision {
        switch state {
        case .connecting: return .read
        case .wrongToken, .closing, .closed: return .hold
        case .open(var connection):
            guard connection.queue.count >= Self.maxQueuedFrames else { return .read }
            connection.readHeld = true
            state = .open(connection)
            return .hold
        }
    }

    // MARK: Transitions

    /// Starts the next request unless one is in flight or the channel takes no writes; with nothing left to answer,
    /// answers a framing error or closes once no more requests can come, or else starts the idle time.
    private mutating func advance(now: MonitorInstant) -> [Action] {
        guard case .open(var connection) = state, connection.work == .waiting, connection.writable else { return [] }
        if let frame = connection.queue.popFirst() {
            if let refusal {
                state = .closing
                return [.send(MonitorResponse.failure(refusal, to: frame).encoded(), thenClose: true)]
            }
            connection.work = .answering(frame.version)
            var actions: [Action] = []
            if connection.readHeld, connection.queue.count < Self.maxQueuedFrames {
                connection.readHeld = false
                actions.append(.resumeReading)
            }
            state = .open(connection)
            return actions + [.startRequest(frame)]
        }
        switch connection.input {
        case .ended(.unframable(let error)):
            state = .closing
            let record = MonitorRequestRecord(
                admin: nil, request: "unframed request", status: error.status, detail: error.message)
            return [.record(record), .send(error.response.encoded(), thenClose: true)]
        case .ended:
            state = .closing
            return [.close(.finished)]
        case .open:
            if refusal == nil, decoder.bufferedByteCount == 0 { connection.deadline = .idle(now + idleTimeout) }
            state = .open(connection)
            return []
        }
    }

    private var armedDeadline: MonitorInstant? {
        switch state {
        case .open(let connection): connection.deadline?.instant
        case .wrongToken(_, let sendAt): sendAt
        case .connecting, .closing, .closed: nil
        }
    }

    /// Puts the timer's new deadline (or its cancellation) before `actions` when it differs from `before`. Called
    /// once the state has changed: a copy of `self` is taken before the arguments are evaluated.
    private func retimed(_ actions: [Action], since before: MonitorInstant?) -> [Action] {
        let after = armedDeadline
        guard after != before else { return actions }
        return [after.map { .armTimer(at: $0) } ?? .cancelTimer] + actions
    }
}

extension MonitorConnectionStateMachine.Connection {
    var frameDeadline: MonitorInstant? {
        if case .frame(let instant) = deadline { return instant }
        return nil
    }

    /// Moves every complete frame to the queue, stopping at a v1 frame or a framing error; true when one completed.
    mutating func decodeFrames(from decoder: inout MonitorRequestDecoder) -> Bool {
        var completed = false
        while input == .open {
            switch decoder.next() {
            case .needMore:
                return completed
            case .frame(let frame):
                queue.append(frame)
                completed = true
                if frame.version == .v1 { input = .ended(.v1FrameReceived) }
            case .failure(let error):
                input = .ended(.unframable(error))
            }
        }
        return completed
    }
}
