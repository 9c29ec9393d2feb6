import Synchronization

/// The timed window of a phase: opened once, closed by the last task to cross.
final class FinishLine: Sendable {
    private let clock: ContinuousClock
    private let times = Mutex<(start: ContinuousClock.Instant?, end: ContinuousClock.Instant?)>((nil, nil))

    init(clock: ContinuousClock) { self.clock = clock }

    func start() {
        let now = clock.now
        times.withLock { if $0.start == nil { $0.start = now } }
    }

    func cross() {
        let now = clock.now
        times.withLock { $0.end = max($0.end ?? now, now) }
    }

    /// From start to the last crossing (never zero, so rates stay finite).
    var elapsedSeconds: Double {
        times.withLock { times in
            guard let start = times.start, let end = times.end, end > start else { return 1e-9 }
            return (end - start).seconds
        }
    }
}
