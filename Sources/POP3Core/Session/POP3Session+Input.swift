/// The input queue: lines wait here while an asynchronous step runs, and are answered in order (pipelining).
/// Past `POP3InputLimit` the session asks the handler to stop reading the socket, and to read again once the
/// queue has drained, so no client can make the server buffer without bound.
extension POP3Session {
    /// A framed line (or a discarded over-long one) arrived at `now`.
    public mutating func received(_ inbound: POP3Inbound, now: POP3Instant) -> [POP3SessionAction] {
        guard isOpen else { return [] }
        lastActivity = max(lastActivity, now)
        inbox.append(inbound)
        var actions = drain()
        if !readingPaused, inbox.isOver(configuration.inputLimit) {
            readingPaused = true
            actions.append(.pauseReading)
        }
        return actions
    }

    /// Answers queued lines until one needs an asynchronous result or the queue is empty; then says whether the
    /// socket may be read again and whether read-ahead data is still wanted.
    mutating func drain() -> [POP3SessionAction] {
        var actions: [POP3SessionAction] = []
        while isOpen, !isAwaitingResult, let inbound = inbox.popFirst() {
            let answered: [POP3SessionAction]
            switch inbound {
            case .line(let bytes): answered = receiveLine(bytes)
            case .lineTooLong: answered = lineTooLong()
            }
            actions += answered
            // RFC 2595: nothing pipelined behind STLS may be executed after the handshake.
            if answered.contains(.startTLS) { inbox.removeAll() }
        }
        if !isOpen { inbox.removeAll() }
        if readingPaused, !inbox.isOver(configuration.inputLimit), isOpen {
            readingPaused = false
            actions.append(.resumeReading)
        }
        if !readAhead.isEmpty, inbox.isEmpty, !isAwaitingResult {
            readAhead.removeAll()
            actions.append(.dropReadAhead)
        }
        return actions
    }

    /// Small messages that RETR lines already waiting in the queue will ask for, within the read-ahead budget, and
    /// not read ahead already. A RETR of a message read ahead looks at nothing: the handler has it.
    mutating func readAheadCandidates(after number: Int) -> [Int] {
        if readAhead.remove(number) != nil { return [] }
        let limit = configuration.readAheadLimit
        var candidates: [Int] = []
        var budget = limit.budget
        for inbound in inbox.prefix(limit.lookahead) {
            guard case .line(let bytes) = inbound, case .success(.retr(let candidate)) = POP3CommandParser.parse(bytes),
                candidate != number, !readAhead.contains(candidate), !candidates.contains(candidate),
                case .success(let entry) = maildrop.entry(candidate)
            else { continue }
            guard entry.size <= limit.messageSize, entry.size <= budget else { break }
            budget -= entry.size
            candidates.append(candidate)
        }
        readAhead.formUnion(candidates)
        return candidates
    }
}

/// The queue of inbound lines with the octets they hold; popping is O(1).
struct POP3Inbox: Sendable {
    private var items: [POP3Inbound] = []
    private var head = 0
    private(set) var bytes = 0

    var count: Int { items.count - head }
    var isEmpty: Bool { count == 0 }

    mutating func append(_ inbound: POP3Inbound) {
        items.append(inbound)
        bytes += inbound.wireLength
    }

    mutating func popFirst() -> POP3Inbound? {
        guard head < items.count else { return nil }
        let first = items[head]
        head += 1
        bytes -= first.wireLength
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return first
    }

    mutating func removeAll() {
        items.removeAll()
        head = 0
        bytes = 0
    }

    func prefix(_ count: Int) -> ArraySlice<POP3Inbound> { items[head..<min(items.count, head + count)] }

    func isOver(_ limit: POP3InputLimit) -> Bool { count >= limit.lines || bytes >= limit.bytes }
}
