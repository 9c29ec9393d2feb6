import MonitorProtocol
import Testing

@testable import Server

/// The monitor connection's rules without a channel: bytes and events in, actions out, time moved by hand.
@Suite("Monitor connection state machine")
struct MonitorConnectionStateMachineTests {
    typealias Machine = MonitorConnectionStateMachine
    typealias Action = MonitorConnectionStateMachine.Action

    // MARK: Framing and answering

    @Test("pipelined frames start one at a time and are answered in order")
    func pipelining() throws {
        var machine = try Self.connected()
        let frames = try (1...3).map { try Self.v2(id: $0) }
        let requests = try frames.map(Self.frame)
        #expect(machine.bytesReceived(frames.joined(), now: Self.at(1)) == [.cancelTimer, .startRequest(requests[0])])
        #expect(
            machine.requestFinished(Self.outcome(requests[0]), now: Self.at(2))
                == Self.answered(requests[0]) + [.startRequest(requests[1])])
        // Nothing more starts while a request is in flight.
        #expect(machine.writabilityChanged(isWritable: true, now: Self.at(2)).isEmpty)
        #expect(
            machine.requestFinished(Self.outcome(requests[1]), now: Self.at(3))
                == Self.answered(requests[1]) + [.startRequest(requests[2])])
        // The last answer leaves nothing buffered or in flight: the idle time starts.
        #expect(
            machine.requestFinished(Self.outcome(requests[2]), now: Self.at(4))
                == [.armTimer(at: Self.at(64))] + Self.answered(requests[2]))
    }

    @Test("a frame split across reads is started once it is complete")
    func splitFrame() throws {
        var machine = try Self.connected()
        let bytes = try Self.v2(id: 1)
        let request = try Self.frame(bytes)
        #expect(machine.bytesReceived(bytes.prefix(3), now: Self.at(1)) == [.armTimer(at: Self.at(6))])
        #expect(machine.bytesReceived(bytes.dropFirst(3), now: Self.at(2)) == [.cancelTimer, .startRequest(request)])
    }

    @Test("garbage after two frames is answered as a framing error after them, then the connection closes")
    func framingError() throws {
        var machine = try Self.connected()
        let frames = try [Self.v2(id: 1), Self.v2(id: 2)]
        let requests = try frames.map(Self.frame)
        let actions = machine.bytesReceived(frames.joined() + [0x07, 0x41, 0x41], now: Self.at(1))
        #expect(actions == [.cancelTimer, .startRequest(requests[0])])
        let later = try Self.v2(id: 3)
        #expect(machine.bytesReceived(later, now: Self.at(1)).isEmpty, "bytes after the error are ignored")
        #expect(
            machine.requestFinished(Self.outcome(requests[0]), now: Self.at(2))
                == Self.answered(requests[0]) + [.startRequest(requests[1])])
        let unframed = MonitorRequestRecord(
            admin: nil, request: "unframed request", status: .badVersion, detail: "unknown protocol version 0x07")
        #expect(
            machine.requestFinished(Self.outcome(requests[1]), now: Self.at(3))
                == Self.answered(requests[1]) + [.record(unframed), .send([0x01, 0x00, 0x01, 0x00], thenClose: true)])
        #expect(machine.readRequested() == .hold)
        #expect(machine.timerFired(now: Self.at(100)).isEmpty)
    }

    @Test("a DLEN over the limit is answered at once when nothing comes before it")
    func oversizedFrame() throws {
        var machine = try Self.connected()
        let header: [UInt8] = [0x02] + Self.token + [0, 0, 0, 9, 0x11, 0x00, 0x01, 0x00, 0x00]
        let actions = machine.bytesReceived(header, now: Self.at(1))
        guard actions.count == 3, case .record(let record) = actions[1], case .send(let bytes, true) = actions[2] else {
            Issue.record("\(actions)")
            return
        }
        #expect(actions[0] == .cancelTimer)
        #expect(record.status == .tooLarge)
        #expect(bytes.prefix(6) == [0x02, 0, 0, 0, 9, 0x11])
    }

    @Test("a v1 frame is the only request: later bytes are ignored and its answer closes the connection")
    func versionOne() throws {
        var machine = try Self.connected()
        let v1 = try Self.v1()
        let request = try Self.frame(v1)
        let (behind, later) = try (Self.v2(id: 1), Self.v2(id: 2))
        // A v2 frame behind it in the same read, and another read, are not framed.
        #expect(machine.bytesReceived(v1 + behind, now: Self.at(1)) == [.cancelTimer, .startRequest(request)])
        #expect(machine.bytesReceived(later, now: Self.at(2)).isEmpty)
        let outcome = Self.outcome(request)
        #expect(
            machine.requestFinished(outcome, now: Self.at(3))
                == [Self.record(outcome), .send(outcome.response.encoded(), thenClose: true)])
        #expect(machine.readRequested() == .hold)
    }

    @Test("input closed by the client: what was framed is answered, the partial frame dropped, then the close")
    func inputClosed() throws {
        var machine = try Self.connected()
        let frames = try [Self.v2(id: 1), Self.v2(id: 2)]
        let requests = try frames.map(Self.frame)
        let partial = Array(try Self.v2(id: 3).prefix(5))
        #expect(
            machine.bytesReceived(frames.joined() + partial, now: Self.at(1))
                == [.armTimer(at: Self.at(6)), .startRequest(requests[0])])
        #expect(machine.inputClosed(now: Self.at(2)) == [.cancelTimer])
        #expect(
            machine.requestFinished(Self.outcome(requests[0]), now: Self.at(3))
                == Self.answered(requests[0]) + [.startRequest(requests[1])])
        #expect(
            machine.requestFinished(Self.outcome(requests[1]), now: Self.at(4))
                == Self.answered(requests[1]) + [.close(.finished)])
    }

    @Test("input closed with nothing framed closes at once")
    func inputClosedWhileIdle() throws {
        var machine = try Self.connected()
        #expect(machine.inputClosed(now: Self.at(1)) == [.cancelTimer, .close(.finished)])
        #expect(machine.channelInactive().isEmpty)
    }

    // MARK: Wrong tokens and refusals

    @Test("a wrong token is answered after the delay, then the connection closes; requests behind it are dropped")
    func wrongToken() throws {
        var machine = try Self.connected()
        let frames = try (1...3).map { try Self.v2(id: $0) }
        let requests = try frames.map(Self.frame)
        #expect(machine.bytesReceived(frames.joined(), now: Self.at(1)) == [.cancelTimer, .startRequest(requests[0])])
        let refused = Self.outcome(requests[0], status: .authenticationFailed)
        // Counted and logged at once; the answer waits one second, and nothing else starts.
        #expect(machine.requestFinished(refused, now: Self.at(2)) == [.armTimer(at: Self.at(3)), Self.record(refused)])
        #expect(machine.readRequested() == .hold)
        #expect(machine.bytesReceived(try Self.v2(id: 4), now: Self.at(2.2)).isEmpty)
        #expect(machine.writabilityChanged(isWritable: true, now: Self.at(2.3)).isEmpty)
        #expect(machine.inputClosed(now: Self.at(2.4)).isEmpty, "a half-closed client still gets the answer")
        #expect(machine.timerFired(now: Self.at(2.5)) == [.armTimer(at: Self.at(3))])
        #expect(machine.timerFired(now: Self.at(3)) == [.send(refused.response.encoded(), thenClose: true)])
        #expect(machine.readRequested() == .hold)
        #expect(machine.timerFired(now: Self.at(100)).isEmpty)
        #expect(machine.channelInactive().isEmpty)
    }

    @Test("a wrong token in a v1 request is answered after the delay too, then the connection closes")
    func wrongTokenVersionOne() throws {
        var machine = Machine(frameTimeout: .seconds(5), idleTimeout: .seconds(60), wrongTokenDelay: .seconds(2))
        _ = machine.channelActive(now: Self.at(0))
        let request = try Self.frame(try Self.v1())
        #expect(machine.bytesReceived(try Self.v1(), now: Self.at(1)) == [.cancelTimer, .startRequest(request)])
        let refused = Self.outcome(request, status: .authenticationFailed)
        #expect(machine.requestFinished(refused, now: Self.at(1)) == [.armTimer(at: Self.at(3)), Self.record(refused)])
        #expect(machine.timerFired(now: Self.at(3)) == [.send(refused.response.encoded(), thenClose: true)])
    }

    @Test("a connection that goes away or fails while its wrong token waits sends nothing and cancels the timer")
    func wrongTokenThenGone() throws {
        for gone in [false, true] {
            var machine = try Self.connected()
            let bytes = try Self.v2(id: 1)
            _ = machine.bytesReceived(bytes, now: Self.at(1))
            let refused = Self.outcome(try Self.frame(bytes), status: .authenticationFailed)
            #expect(
                machine.requestFinished(refused, now: Self.at(1)) == [.armTimer(at: Self.at(2)), Self.record(refused)])
            if gone {
                #expect(machine.channelInactive() == [.cancelTimer])
            } else {
                #expect(machine.errorCaught() == [.cancelTimer, .close(.error)])
            }
            #expect(machine.timerFired(now: Self.at(2)).isEmpty)
        }
    }

    @Test("a refused connection: its first request is answered with the refusal and the connection closes")
    func refusal() throws {
        let failure = MonitorRefusals.tooManyConnections
        var machine = Machine(frameTimeout: .seconds(5), idleTimeout: .seconds(60), refusal: failure)
        // No idle time: the request must be complete within the frame time from the connect.
        #expect(machine.channelActive(now: Self.at(0)) == [.armTimer(at: Self.at(5))])
        let frames = try [Self.v2(id: 1), Self.v2(id: 2)]
        let first = try Self.frame(frames[0])
        // Part of it does not move the deadline.
        #expect(machine.bytesReceived(frames[0].prefix(10), now: Self.at(1)).isEmpty)
        let answer = MonitorResponse.failure(failure, to: first).encoded()
        #expect(
            machine.bytesReceived(frames[0].dropFirst(10) + frames[1], now: Self.at(2))
                == [.cancelTimer, .send(answer, thenClose: true)])
        #expect(machine.readRequested() == .hold)
        // A v1 client reads "server error".
        var v1 = Machine(frameTimeout: .seconds(5), idleTimeout: .seconds(60), refusal: failure)
        _ = v1.channelActive(now: Self.at(0))
        #expect(
            v1.bytesReceived(try Self.v1(), now: Self.at(1)) == [.cancelTimer, .send([6, 0, 1, 0], thenClose: true)])
    }

    @Test("a refused connection that sends nothing, or too little, is closed at the frame time from the connect")
    func refusalDeadline() throws {
        var silent = Machine(
            frameTimeout: .seconds(5), idleTimeout: .seconds(60), refusal: MonitorRefusals.tooManyConnections)
        _ = silent.channelActive(now: Self.at(0))
        #expect(silent.writabilityChanged(isWritable: true, now: Self.at(1)).isEmpty)
        #expect(silent.timerFired(now: Self.at(5)) == [.close(.frameIncomplete)])

        var slow = Machine(
            frameTimeout: .seconds(5), idleTimeout: .seconds(60), refusal: MonitorRefusals.tooManyConnections)
        _ = slow.channelActive(now: Self.at(0))
        let bytes = try Self.v2(id: 1)
        for (index, byte) in bytes.prefix(8).enumerated() {
            #expect(slow.bytesReceived([byte], now: Self.at(0.5 * Double(index + 1))).isEmpty)
        }
        #expect(slow.timerFired(now: Self.at(5)) == [.close(.frameIncomplete)])
    }

    // MARK: Flow control

    @Test("a client that stops reading: reads are held at 16 queued frames and resume as the queue drains")
    func queueBound() throws {
        var machine = try Self.connected()
        let frames = try (1...20).map { try Self.v2(id: $0) }
        let requests = try frames.map(Self.frame)
        let bytes = frames.joined()
        #expect(machine.bytesReceived(bytes, now: Self.at(1)) == [.cancelTimer, .startRequest(requests[0])])
        #expect(machine.readRequested() == .hold)
        // 19, then 18, 17 and 16 wait: still held.
        for index in 0..<3 {
            #expect(
                machine.requestFinished(Self.outcome(requests[index]), now: Self.at(2))
                    == Self.answered(requests[index]) + [.startRequest(requests[index + 1])])
        }
        #expect(machine.readRequested() == .hold)
        // 15 wait: the held read goes on.
        #expect(
            machine.requestFinished(Self.outcome(requests[3]), now: Self.at(2))
                == Self.answered(requests[3]) + [.resumeReading, .startRequest(requests[4])])
        #expect(machine.readRequested() == .read)
    }

    @Test("reads are not held below the bound, nor is anything resumed that was not held")
    func noHoldBelowTheBound() throws {
        var machine = try Self.connected()
        let frames = try (1...3).map { try Self.v2(id: $0) }
        let requests = try frames.map(Self.frame)
        _ = machine.bytesReceived(frames.joined(), now: Self.at(1))
        #expect(machine.readRequested() == .read)
        #expect(!machine.requestFinished(Self.outcome(requests[0]), now: Self.at(2)).contains(.resumeReading))
    }

    @Test("while the channel is not writable the next request waits; it starts when writable again")
    func writability() throws {
        var machine = try Self.connected()
        let frames = try (1...2).map { try Self.v2(id: $0) }
        let requests = try frames.map(Self.frame)
        _ = machine.bytesReceived(frames.joined(), now: Self.at(1))
        #expect(machine.writabilityChanged(isWritable: false, now: Self.at(2)).isEmpty)
        #expect(machine.requestFinished(Self.outcome(requests[0]), now: Self.at(3)) == Self.answered(requests[0]))
        #expect(machine.writabilityChanged(isWritable: false, now: Self.at(4)).isEmpty)
        #expect(machine.writabilityChanged(isWritable: true, now: Self.at(5)) == [.startRequest(requests[1])])
    }

    // MARK: Closing

    @Test("a request in flight when the channel goes inactive: its answer is recorded but not sent")
    func closeDuringRequest() throws {
        var machine = try Self.connected()
        let bytes = try Self.v2(id: 1)
        let request = try Self.frame(bytes)
        _ = machine.bytesReceived(bytes, now: Self.at(1))
        #expect(machine.channelInactive().isEmpty, "no timer runs while a request is in flight")
        let outcome = Self.outcome(request, status: .serverError)
        #expect(machine.requestFinished(outcome, now: Self.at(2)) == [Self.record(outcome)])
        #expect(machine.readRequested() == .hold)
    }

    @Test("a frame deadline that closes during a request drops that request's answer")
    func frameDeadlineDuringRequest() throws {
        var machine = try Self.connected()
        let bytes = try Self.v2(id: 1)
        let request = try Self.frame(bytes)
        _ = machine.bytesReceived(bytes + [0x02, 0x41], now: Self.at(1))
        #expect(machine.timerFired(now: Self.at(6)) == [.close(.frameIncomplete)])
        #expect(machine.requestFinished(Self.outcome(request), now: Self.at(7)) == [Self.record(Self.outcome(request))])
        #expect(machine.channelInactive().isEmpty)
    }

    @Test("an error closes the connection and cancels its timer")
    func error() throws {
        var machine = try Self.connected()
        #expect(machine.errorCaught() == [.cancelTimer, .close(.error)])
        #expect(machine.errorCaught().isEmpty)
        #expect(machine.channelInactive().isEmpty)
    }

    @Test("going inactive while a timer is armed cancels it")
    func inactiveCancelsTimer() throws {
        var machine = try Self.connected()
        #expect(machine.channelInactive() == [.cancelTimer])
        #expect(machine.timerFired(now: Self.at(1_000)).isEmpty)
    }

    // MARK: Timers

    @Test("the idle timer closes at its deadline; an early firing re-arms it for the same deadline")
    func idleTimer() {
        var machine = Machine(frameTimeout: .seconds(5), idleTimeout: .seconds(60))
        #expect(machine.channelActive(now: Self.at(0)) == [.armTimer(at: Self.at(60))])
        #expect(machine.timerFired(now: Self.at(59)) == [.armTimer(at: Self.at(60))])
        #expect(machine.timerFired(now: Self.at(60)) == [.close(.idle)])
        #expect(machine.timerFired(now: Self.at(61)).isEmpty)
    }

    @Test("the frame timer runs from a frame's first byte, and restarts when the next frame begins in the same read")
    func frameTimer() throws {
        var machine = try Self.connected()
        let first = try Self.v2(id: 1)
        let second = try Self.v2(id: 2)
        let requests = try [Self.frame(first), Self.frame(second)]
        #expect(machine.bytesReceived(first.prefix(10), now: Self.at(1)) == [.armTimer(at: Self.at(6))])
        // More of the same frame does not move its deadline.
        #expect(machine.bytesReceived(first.dropFirst(10).prefix(5), now: Self.at(3)).isEmpty)
        #expect(machine.timerFired(now: Self.at(5)) == [.armTimer(at: Self.at(6))])
        // The first frame completes with part of the second behind it: a deadline from now for the second.
        #expect(
            machine.bytesReceived(first.dropFirst(15) + second.prefix(4), now: Self.at(5.5))
                == [.armTimer(at: Self.at(10.5)), .startRequest(requests[0])])
        // The answer does not touch the frame deadline, and no idle time runs while bytes are buffered.
        #expect(machine.requestFinished(Self.outcome(requests[0]), now: Self.at(6)) == Self.answered(requests[0]))
        #expect(machine.timerFired(now: Self.at(10.5)) == [.close(.frameIncomplete)])
    }

    @Test("the idle time restarts when the last answer goes out, not while a request is in flight")
    func idleAfterAnswer() throws {
        var machine = try Self.connected()
        let bytes = try Self.v2(id: 1)
        let request = try Self.frame(bytes)
        #expect(machine.bytesReceived(bytes, now: Self.at(50)) == [.cancelTimer, .startRequest(request)])
        #expect(machine.timerFired(now: Self.at(200)).isEmpty, "nothing is armed while a request is in flight")
        #expect(
            machine.requestFinished(Self.outcome(request), now: Self.at(200))
                == [.armTimer(at: Self.at(260))] + Self.answered(request))
        #expect(machine.timerFired(now: Self.at(259)) == [.armTimer(at: Self.at(260))])
        #expect(machine.timerFired(now: Self.at(260)) == [.close(.idle)])
    }

    // MARK: Helpers

    static let token = Array(MonitorTestServer.adminToken.utf8)

    /// A machine with the standard timeouts (5 s per frame, 60 s idle), active since time 0.
    static func connected() throws -> Machine {
        var machine = Machine(frameTimeout: .seconds(5), idleTimeout: .seconds(60))
        #expect(machine.channelActive(now: at(0)) == [.armTimer(at: at(60))])
        return machine
    }

    static func at(_ seconds: Double) -> MonitorInstant {
        MonitorInstant(nanoseconds: UInt64(seconds * 1_000_000_000))
    }

    static func v2(id: Int, _ operation: MonitorOperation = .serverInfo) throws -> [UInt8] {
        let token = try MonitorTestServer.token(MonitorTestServer.adminToken)
        return try MonitorRequest(version: .v2, requestID: UInt32(id), token: token, operation: operation).encoded()
    }

    static func v1() throws -> [UInt8] {
        let token = try MonitorTestServer.token(MonitorTestServer.adminToken)
        return try MonitorRequest(version: .v1, token: token, operation: .legacyCounter(.connectionsCurrent)).encoded()
    }

    /// The frame the server's decoder makes of `bytes`, which hold exactly one.
    static func frame(_ bytes: [UInt8]) throws -> MonitorRequestFrame {
        var decoder = MonitorRequestDecoder()
        decoder.feed(bytes)
        guard case .frame(let frame) = decoder.next(), decoder.bufferedByteCount == 0 else {
            throw TestFailure("not one whole frame")
        }
        return frame
    }

    static func outcome(_ frame: MonitorRequestFrame, status: MonitorStatus = .ok) -> MonitorOutcome {
        let response: MonitorResponse =
            status == .ok
            ? .success(.done, to: frame) : .failure(MonitorFailure(status, "it went wrong"), to: frame)
        return MonitorOutcome(response: response, admin: "admin", request: "op \(frame.requestID)")
    }

    static func record(_ outcome: MonitorOutcome) -> Action {
        let detail: String? = if case .failure(let message) = outcome.response.body { message } else { nil }
        return .record(
            MonitorRequestRecord(admin: outcome.admin, request: outcome.request, status: outcome.status, detail: detail)
        )
    }

    /// The record and the write of a successful v2 answer to `frame`, leaving the connection open.
    static func answered(_ frame: MonitorRequestFrame) -> [Action] {
        let answer = outcome(frame)
        return [record(answer), .send(answer.response.encoded(), thenClose: false)]
    }
}
