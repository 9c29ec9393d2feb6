import Foundation
import NIOCore
import NIOPosix
public import ServiceLifecycle
public import Storage
import Synchronization

/// Runs password hashing on its own threads, at most one job per core, admitted by the wait it implies and shared
/// fairly between clients (see `HashingSchedule`): a job that would wait past `maximumWait` is refused at once
/// (`Full`), so a flood of logins cannot queue unbounded work, and one client address flooding PASS waits behind its
/// own jobs, not in front of everyone else's. The client is the task-local `client` (a login sets it to the peer's
/// address), grouped like the login throttle groups it (IPv6 by prefix); hashing outside a login shares one group.
/// The user store hashes on it; as a service it stops after the services listed after it.
public final class HashingQueue: BlockingExecutor, Service {
    /// A queued job; its argument is false when the pool has stopped and the job must not run.
    private typealias Job = @Sendable (_ active: Bool) -> Void

    private enum Admission { case start, queued, refused }

    private struct State {
        var schedule: HashingSchedule<Job>
        var running = 0
    }

    /// The client address a hashing job is done for; nil outside a login.
    @TaskLocal public static var client: String?

    private let pool: NIOThreadPool
    private let threads: Int
    private let grouping: ClientGrouping
    private let state: Mutex<State>
    /// Where its wait, jobs and refusals are counted.
    public let metrics: DetailedMetrics?

    public struct Full: Error, CustomStringConvertible {
        public var description: String { "too many password checks are waiting" }
    }

    /// - Parameters:
    ///   - maximumWait: the longest a job may expect to wait for a thread; a job that would wait longer is refused.
    ///   - initialJobTime: the job time assumed until jobs have been measured (see `estimatedJobTime(cost:)`).
    public init(
        threads: Int, maximumWait: Duration, initialJobTime: Duration, grouping: ClientGrouping = .standard,
        metrics: DetailedMetrics? = nil
    ) {
        self.threads = max(1, threads)
        self.grouping = grouping
        self.metrics = metrics
        pool = NIOThreadPool(numberOfThreads: self.threads)
        state = Mutex(
            State(
                schedule: HashingSchedule(
                    threads: self.threads, maximumWait: maximumWait.timeInterval,
                    initialJobTime: initialJobTime.timeInterval)))
        state.withLock { publishCapacity($0.schedule) }
        pool.start()
    }

    /// The jobs that may run or wait at the measured job time before one is refused, for the capacity gauge.
    private func publishCapacity(_ schedule: HashingSchedule<Job>) {
        guard let metrics else { return }
        let backlog = schedule.maximumWait * Double(threads) / max(schedule.meanJobTime, 1e-6)
        metrics.hashingLimit.store(Int64(threads) + Int64(min(backlog, 1e9)), ordering: .relaxed)
    }

    /// A first guess at one scrypt job's time at `cost` on one core (130–190 ms at cost 15 measured on a 2-core
    /// server; the time doubles per step), until the queue has measured real ones.
    public static func estimatedJobTime(cost: Int) -> Duration {
        .microseconds(150_000 * (1 << min(max(0, cost), 30)) / (1 << 15))
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    /// Finishes the running and queued jobs, then stops the threads.
    func shutdown() async throws {
        try await pool.shutdownGracefully()
    }

    /// Jobs running and waiting for a thread, and the mean job time measured so far.
    public var load: (running: Int, waiting: Int, meanJobTime: Duration) {
        state.withLock { ($0.running, $0.schedule.waiting, Duration.seconds($0.schedule.meanJobTime)) }
    }

    /// Runs `work` on a hashing thread in its client's turn, or throws `Full` at once when it would wait too long.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        let group = grouping.key(for: Self.client ?? "")
        let metrics = self.metrics
        let queued = ContinuousClock.now
        metrics?.hashingJobs.add(1, ordering: .relaxed)
        defer { metrics?.hashingJobs.subtract(1, ordering: .relaxed) }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let job: Job = { active in
                guard active else { return continuation.resume(throwing: NIOThreadPoolError.ThreadPoolInactive()) }
                metrics?.hashingWait.observe(ContinuousClock.now - queued)
                continuation.resume(with: Result { try work() })
            }
            let admission = state.withLock { state -> Admission in
                if state.running < threads {
                    state.running += 1
                    return .start
                }
                return state.schedule.admit(job, group: group) ? .queued : .refused
            }
            switch admission {
            case .start: execute(job)
            case .queued: break
            case .refused:
                metrics?.hashingRefused.increment()
                continuation.resume(throwing: Full())
            }
        }
    }

    /// Runs `first` on a pool thread, then the schedule's next jobs on the same thread until none waits.
    private func execute(_ first: @escaping Job) {
        pool.submit { [self] workState in
            let active = workState == .active
            var job: Job? = first
            while let current = job {
                let started = ContinuousClock.now
                current(active)
                let took = (ContinuousClock.now - started).timeInterval
                job = state.withLock { state -> Job? in
                    if active {
                        state.schedule.finished(took: took)
                        publishCapacity(state.schedule)
                    }
                    if let next = state.schedule.next() { return next }
                    state.running -= 1
                    return nil
                }
            }
        }
    }
}
