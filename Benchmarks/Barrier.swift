import Synchronization

/// Counts arrivals of session tasks; waiters resume once the count reaches their number. Used as a start line
/// (all sessions logged in), as a limiter (at most k logins in flight) and as a gate (opened by the scenario).
final class Barrier: Sendable {
    private struct State {
        var count = 0
        var waiters: [(target: Int, continuation: CheckedContinuation<Void, Never>)] = []
    }
    private let state = Mutex(State())

    init() {}

    var count: Int { state.withLock { $0.count } }

    func arrive() {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count += 1
            let count = state.count
            let ready = state.waiters.filter { $0.target <= count }.map(\.continuation)
            state.waiters.removeAll { $0.target <= count }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once `target` arrivals have happened.
    func wait(for target: Int) async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { state -> Bool in
                if state.count >= target { return true }
                state.waiters.append((target, continuation))
                return false
            }
            if now { continuation.resume() }
        }
    }
}

/// Opened once by the scenario; every waiter then goes on.
final class Gate: Sendable {
    private let barrier = Barrier()

    init() {}

    func open() { barrier.arrive() }
    func wait() async { await barrier.wait(for: 1) }
}
