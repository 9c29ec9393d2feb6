import ServiceLifecycle

/// Runs `work` every `interval` until graceful shutdown, then once more, so what it writes at the end is the
/// last state of the process. The shared loop of the services that flush on a timer.
func runEvery(_ interval: Duration, thenOnceMoreAtShutdown work: @escaping @Sendable () async -> Void) async {
    await repeatEvery(interval, work)
    await work()
}

/// Runs `work` every `interval` (and first at once when `startingNow`) until graceful shutdown, which also cancels
/// the task of a `work` still running, so a long job can stop between its steps.
func repeatEvery(
    _ interval: Duration, startingNow: Bool = false, _ work: @escaping @Sendable () async -> Void
) async {
    await cancelWhenGracefulShutdown {
        if startingNow { await work() }
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { break }
            await work()
        }
    }
}
