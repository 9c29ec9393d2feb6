import NIOCore

/// A task executor that runs a task's code on one event loop, so each `await` of a store or pool resumes there
/// directly instead of first on Swift's shared threads and then on the loop: half the thread switches of a
/// login. The code such a task runs between its awaits must be as short as any other event-loop work.
final class EventLoopTaskExecutor: TaskExecutor {
    private let eventLoop: any EventLoop

    init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    func enqueue(_ job: consuming ExecutorJob) {
        eventLoop.enqueue(job)
    }
}

extension EventLoop {
    /// Runs `body` as a task whose code runs on this loop, and completes the returned future with its result.
    func runTask<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) -> EventLoopFuture<T> {
        let promise = makePromise(of: T.self)
        Task(executorPreference: EventLoopTaskExecutor(self)) {
            do { promise.succeed(try await body()) } catch { promise.fail(error) }
        }
        return promise.futureResult
    }
}
