import Synchronization

/// Closed until pop3d has dropped root: a login that arrives earlier waits here, suspended (no thread is held),
/// so no maildrop is ever opened as root.
final class LoginGate: Sendable {
    private enum State {
        case closed(waiters: [Int: CheckedContinuation<Void, any Error>], nextID: Int)
        case open
    }

    private let state: Mutex<State>

    init(open: Bool) {
        state = Mutex(open ? .open : .closed(waiters: [:], nextID: 0))
    }

    func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, any Error>] in
            guard case .closed(let waiters, _) = state else { return [] }
            state = .open
            return Array(waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once the gate opens; throws `LoginGateClosed` after `timeout` (the login then gets
    /// `-ERR [SYS/TEMP]`).
    func waitUntilOpen(timeout: Duration = .seconds(10)) async throws {
        let id: Int? = state.withLock { state in
            guard case .closed(let waiters, let nextID) = state else { return nil }
            state = .closed(waiters: waiters, nextID: nextID + 1)
            return nextID
        }
        guard let id else { return }
        // The timer starts only once the waiter is registered, so it cannot fire before there is one to fail.
        let timer = Mutex<Task<Void, Never>?>(nil)
        defer { timer.withLock { $0?.cancel() } }
        try await withCheckedThrowingContinuation { continuation in
            let alreadyOpen = state.withLock { state -> Bool in
                guard case .closed(var waiters, let nextID) = state else { return true }
                waiters[id] = continuation
                state = .closed(waiters: waiters, nextID: nextID)
                return false
            }
            if alreadyOpen { return continuation.resume() }
            let task = Task { [self] in
                try? await Task.sleep(for: timeout)
                fail(id)  // a no-op once the gate has opened
            }
            timer.withLock { $0 = task }
        }
    }

    private func fail(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard case .closed(var waiters, let nextID) = state else { return nil }
            let waiter = waiters.removeValue(forKey: id)
            state = .closed(waiters: waiters, nextID: nextID)
            return waiter
        }
        waiter?.resume(throwing: LoginGateClosed())
    }
}

/// A login arrived before pop3d dropped root, and the drop did not happen in time.
struct LoginGateClosed: Error, CustomStringConvertible {
    var description: String { "logins wait until pop3d has dropped root privileges" }
}
