import Synchronization

/// Closed until pop3d may act on files: root dropped (with `--user`) and the deletion journal recovered. Logins and
/// the monitor wait here, suspended (no thread is held), so no maildrop is opened and no monitor request is
/// answered as root or before interrupted deletions are finished.
final class StartupGate: Sendable {
    private enum State {
        case closed(waiters: [Int: CheckedContinuation<Void, any Error>], nextID: Int)
        case open
    }

    private let state = Mutex(State.closed(waiters: [:], nextID: 0))

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .closed(let waiters, _) = state else { return [] }
            state = .open
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the gate opens. Throws `StartupGateClosed` after `timeout` (nil: no limit; a login then gets
    /// `-ERR [SYS/TEMP]`), or `CancellationError` when the waiting task is cancelled.
    func waitUntilOpen(timeout: Duration? = .seconds(10)) async throws {
        let id: Int? = state.withLock { state in
            guard case .closed(let waiters, let nextID) = state else { return nil }
            state = .closed(waiters: waiters, nextID: nextID + 1)
            return nextID
        }
        guard let id else { return }
        // The timer starts only once the waiter is registered, so it cannot fire before there is one to fail.
        let timer = Mutex<Task<Void, Never>?>(nil)
        defer { timer.withLock { $0?.cancel() } }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let alreadyOpen = state.withLock { state -> Bool in
                    guard case .closed(var waiters, let nextID) = state else { return true }
                    waiters[id] = continuation
                    state = .closed(waiters: waiters, nextID: nextID)
                    return false
                }
                if alreadyOpen { return continuation.resume() }
                if Task.isCancelled { return fail(id, with: CancellationError()) }
                guard let timeout else { return }
                let task = Task { [self] in
                    try? await Task.sleep(for: timeout)
                    fail(id, with: StartupGateClosed())  // a no-op once the gate has opened
                }
                timer.withLock { $0 = task }
            }
        } onCancel: {
            fail(id, with: CancellationError())
        }
    }

    private func fail(_ id: Int, with error: any Error) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard case .closed(var waiters, let nextID) = state else { return nil }
            let waiter = waiters.removeValue(forKey: id)
            state = .closed(waiters: waiters, nextID: nextID)
            return waiter
        }
        waiter?.resume(throwing: error)
    }
}

/// A login arrived before pop3d was ready to serve (root not yet dropped, the journal not yet recovered), and it
/// did not become ready in time.
struct StartupGateClosed: Error, CustomStringConvertible {
    var description: String { "logins wait until pop3d has dropped root privileges and recovered its journal" }
}
