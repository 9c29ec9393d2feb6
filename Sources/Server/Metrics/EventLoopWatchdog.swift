public import Logging
import MonitorProtocol
public import NIOCore
public import NIOPosix
public import ServiceLifecycle
import Synchronization

/// Notices an event loop that was blocked: a timer on every loop fires every `interval`, and how late it fires
/// is how long the loop could not run anything else. Lateness over `stallThreshold` is counted in
/// `event_loop_stalls` and logged; the worst lateness of the current and the previous `window` is the
/// `event_loop_lag_max_ms` gauge.
public final class EventLoopWatchdog: Service, Sendable {
    private let group: any EventLoopGroup
    private let metrics: ServerMetrics
    private let logger: Logger
    private let interval: TimeAmount
    private let stallThreshold: TimeAmount
    private let window: TimeAmount
    private let state: Mutex<WindowState>

    /// When one loop's timer last ran, in `NIODeadline` uptime nanoseconds.
    private final class LastRun: Sendable {
        let uptime = Atomic<Int64>(Int64(NIODeadline.now().uptimeNanoseconds))
    }

    /// The worst lateness of the current window and of the one before, so the gauge always covers at least
    /// one whole window and shows a stall as soon as it ends.
    private struct WindowState {
        var end: NIODeadline
        var worst: TimeAmount = .zero
        var previousWorst: TimeAmount = .zero
    }

    public init(
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, metrics: ServerMetrics, logger: Logger,
        interval: TimeAmount = .milliseconds(100),
        stallThreshold: TimeAmount = .milliseconds(100), window: TimeAmount = .seconds(10)
    ) {
        self.group = group
        self.metrics = metrics
        self.logger = logger
        self.interval = interval
        self.stallThreshold = stallThreshold
        self.window = window
        self.state = Mutex(WindowState(end: .now() + window))
    }

    public func run() async throws {
        let tasks = group.makeIterator().map { loop in watch(loop) }
        try? await gracefulShutdown()
        for task in tasks { task.cancel() }
    }

    private func watch(_ loop: any EventLoop) -> RepeatedTask {
        // NIO waits `interval` after each run, so a run is due `interval` after the previous one started.
        let previous = LastRun()
        return loop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { [self] _ in
            let now = NIODeadline.now()
            let last = previous.uptime.exchange(Int64(now.uptimeNanoseconds), ordering: .relaxed)
            let lateness = now - NIODeadline.uptimeNanoseconds(UInt64(last)) - interval
            record(lateness: max(lateness, .zero), at: now)
        }
    }

    private func record(lateness: TimeAmount, at now: NIODeadline) {
        if lateness > stallThreshold {
            metrics.add(.eventLoopStalls)
            logger.warning(
                "event loop stalled", metadata: ["late_ms": "\(lateness.nanoseconds / 1_000_000)"])
        }
        let recent = state.withLock { state in
            if now >= state.end {
                state.previousWorst = state.worst
                state.worst = .zero
                state.end = now + window
            }
            state.worst = max(state.worst, lateness)
            return max(state.previousWorst, state.worst)
        }
        metrics.set(.eventLoopLagMaxMilliseconds, recent.nanoseconds / 1_000_000)
    }
}
