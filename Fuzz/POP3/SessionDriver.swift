@testable import POP3Core

/// Plays a script against a `POP3Session` the way the connection handler would, checking every answer against a
/// `SessionModel`. A client line that arrives while a callback is due first gets that callback, with success.
struct SessionDriver {
    private var session: POP3Session
    private var model: SessionModel
    private var nextListing = [
        MaildropEntry(size: 1_024, uidl: "1700000000.M1P1.host"),
        MaildropEntry(size: 2_048, uidl: "1700000001.M2P1.host"),
        MaildropEntry(size: 312, uidl: "1700000002.M3P1.host"),
    ]

    init(configuration: POP3SessionConfiguration) {
        session = POP3Session(configuration: configuration)
        model = SessionModel(configuration: configuration)
    }

    mutating func run(_ steps: [SessionScript.Step]) {
        let greeting = session.start()
        invariant(greeting.count == 1 && SessionModel.isOK(greeting[0]), "greeting \(greeting)")
        model.apply(greeting)
        for step in steps {
            switch step {
            case .line(let line): receive(line)
            case .event(let event): handle(event)
            }
            model.compare(with: session)
        }
        finish()
    }

    private mutating func receive(_ line: [UInt8]) {
        ParserInvariants.check(line)
        ParserInvariants.checkEncoding(of: line)
        if session.isAwaitingResult {
            var early = session
            invariant(early.receiveLine(line).isEmpty, "a line was answered while a callback was due")
            resolvePending()
        }
        let parsed = POP3CommandParser.parse(line)
        let before = model
        let actions = session.receiveLine(line)
        expectEmptyWhenClosed(actions, before)
        model.apply(actions)
        if before.state == .transaction, before.pending == nil, case .success(let command) = parsed {
            TransactionExpectations.check(command, actions, model: before)
        }
    }

    private mutating func handle(_ event: ScriptEvent) {
        let before = model
        switch event {
        case .setListing(let listing):
            nextListing = listing
        case .lineTooLong:
            let actions = session.lineTooLong()
            let due = !before.isClosed && before.pending == nil
            invariant(actions.isEmpty != due, "lineTooLong answered \(actions)")
            invariant(due == false || SessionModel.isError(actions.first), "lineTooLong without -ERR")
            model.apply(actions)
        case .idleTimeout:
            closes(session.idleTimeout(), before, silentlyWhile: before.state == .update || before.isSendingMessage)
        case .shutdown:
            if before.state == .update {
                // A QUIT being applied ends the session with its own answer.
                invariant(session.shutdown().isEmpty, "shutdown interrupted UPDATE")
            } else {
                closes(session.shutdown(), before, silentlyWhile: before.isSendingMessage)
            }
        case .callback(let callback):
            invoke(callback)
        }
    }

    /// Idle timeout and shutdown close any session not closed yet and never commit deletions; in the middle of a
    /// message (or of UPDATE, for a timeout) they close without an answer, which could not go on the wire there.
    private mutating func closes(_ actions: [POP3SessionAction], _ before: SessionModel, silentlyWhile silent: Bool) {
        expectEmptyWhenClosed(actions, before)
        if !before.isClosed {
            if silent {
                invariant(
                    actions.count == 1 && actions.allSatisfy(\.closesSession), "closed mid-answer with \(actions)")
            } else {
                invariant(
                    actions.count == 2 && SessionModel.isError(actions.first), "timeout/shutdown answered \(actions)")
            }
        }
        model.apply(actions)
        invariant(model.isClosed, "still open after timeout/shutdown")
    }

    private func expectEmptyWhenClosed(_ actions: [POP3SessionAction], _ before: SessionModel) {
        invariant(!before.isClosed || actions.isEmpty, "a closed session answered \(actions)")
    }

    /// The success callback for whatever is pending.
    private mutating func resolvePending() {
        switch model.pending {
        case .authentication?: invoke(.authenticationSucceeded)
        case .message(let number, _)?: invoke(.messageSent(number: number))
        case .deletion(let number)?: invoke(.deletionRecorded(number: number, succeeded: true))
        case .reset?: invoke(.deletionsReset(succeeded: true))
        case .update?: invoke(.updateFinished(succeeded: true))
        case nil: break
        }
    }

    /// Gives a callback; one that answers nothing pending must change nothing and return nothing.
    private mutating func invoke(_ callback: ScriptCallback) {
        let before = model
        let pendingNumber: Int? =
            switch model.pending {
            case .message(let number, _)?, .deletion(let number)?: number
            default: nil
            }
        let actions: [POP3SessionAction]
        var accepted = false
        switch callback {
        case .start:
            actions = session.start()
        case .authenticationSucceeded:
            actions = session.authenticationSucceeded(listing: nextListing)
            if case .authentication(let user)? = before.pending, before.state == .authorization {
                accepted = true
                model.pending = nil
                model.state = .transaction
                model.user = user
                model.listing = nextListing
                model.deleted = []
                // The autologout replaces the pre-login timeout: the timer is armed anew when it comes sooner.
                invariant(
                    actions.first == .send(.ok("Logged in.")) && actions.count <= 2
                        && actions.dropFirst().allSatisfy(\.isArmTimer), "login answered \(actions)")
            }
        case .authenticationFailed(let failure):
            actions = session.authenticationFailed(failure)
            if case .authentication? = before.pending, before.state == .authorization {
                accepted = true
                model.pending = nil
                if failure == .badCredentials { model.failedLogins += 1 }
                if failure == .badCredentials, model.failedLogins >= model.maxFailedLogins {
                    // The last allowed failure is answered, then the connection closes.
                    invariant(
                        actions.count == 2 && SessionModel.isError(actions[0])
                            && actions[1] == .close(.tooManyLoginFailures), "the last failed login answered \(actions)")
                } else {
                    invariant(
                        actions.count == 1 && SessionModel.isError(actions.first), "failed login answered \(actions)")
                }
            }
        case .messageSent(let number):
            actions = session.messageSent(number: number ?? pendingNumber ?? 1)
            if case .message(number ?? pendingNumber, let isTop)? = before.pending {
                accepted = true
                model.pending = nil
                if isTop { model.counters.top += 1 } else { model.counters.retr += 1 }
                invariant(actions.isEmpty, "messageSent answered \(actions)")
            }
        case .messageUnavailable(let number):
            actions = session.messageUnavailable(number: number ?? pendingNumber ?? 1)
            if case .message(number ?? pendingNumber, _)? = before.pending {
                accepted = true
                model.pending = nil
                invariant(actions.count == 1 && SessionModel.isError(actions.first), "unavailable answered \(actions)")
            }
        case .deletionRecorded(let number, let succeeded):
            actions = session.deletionRecorded(number: number ?? pendingNumber ?? 1, succeeded: succeeded)
            if case .deletion(let pending)? = before.pending, pending == number ?? pendingNumber {
                accepted = true
                model.pending = nil
                if succeeded {
                    model.deleted.insert(pending)
                    model.counters.dele += 1
                }
                invariant(SessionModel.isOK(actions.first ?? .startTLS) == succeeded, "DELE answered \(actions)")
            }
        case .deletionsReset(let succeeded):
            actions = session.deletionsReset(succeeded: succeeded)
            if before.pending == .reset {
                accepted = true
                model.pending = nil
                if succeeded { model.deleted = [] }
                invariant(SessionModel.isOK(actions.first ?? .startTLS) == succeeded, "RSET answered \(actions)")
            }
        case .updateFinished(let succeeded):
            actions = session.updateFinished(succeeded: succeeded)
            if before.pending == .update {
                accepted = true
                invariant(actions.count == 2 && SessionModel.isOK(actions[0]) == succeeded, "QUIT answered \(actions)")
            }
        }
        if accepted {
            model.apply(actions)
        } else {
            invariant(actions.isEmpty, "an unexpected \(callback) was answered: \(actions)")
        }
        model.compare(with: session)
    }

    /// After the script: the handler's last callback, then a closed session answers nothing at all.
    private mutating func finish() {
        if session.isAwaitingResult { resolvePending() }
        model.compare(with: session)
        guard model.isClosed else { return }
        var closed = session
        invariant(closed.start().isEmpty && closed.receiveLine(Array("NOOP".utf8)).isEmpty, "closed session answered")
        invariant(closed.lineTooLong().isEmpty && closed.idleTimeout().isEmpty, "closed session answered")
        invariant(closed.shutdown().isEmpty && closed.authenticationSucceeded(listing: []).isEmpty, "closed answered")
        invariant(closed.deletionsReset(succeeded: true).isEmpty, "closed session answered")
        invariant(closed.updateFinished(succeeded: true).isEmpty, "closed session answered")
    }
}
