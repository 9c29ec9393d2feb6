import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Runs the service `make` builds on a free loopback port for `body`, then shuts it down. `make` gets the
/// callback through which the service reports the port it bound.
func withBoundService(
    logger: Logger, _ make: (@escaping @Sendable (Int) -> Void) -> any Service,
    _ body: @escaping @Sendable (Int) async throws -> Void
) async throws {
    let port = Atomic<Int>(0)
    let group = ServiceGroup(services: [make { port.store($0, ordering: .releasing) }], logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        tasks.addTask { try await group.run() }
        // Polls with a deadline, not a count of sleeps: on a busy machine a service may bind late.
        let deadline = ContinuousClock.now + .seconds(30)
        while port.load(ordering: .acquiring) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        let bound = port.load(ordering: .acquiring)
        defer { Task { await group.triggerGracefulShutdown() } }
        try #require(bound > 0)
        try await body(bound)
    }
}
