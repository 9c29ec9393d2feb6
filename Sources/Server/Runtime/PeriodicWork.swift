import ServiceLifecycle

/// Runs `work` every `interval` until graceful shutdown, then once more, so what it writes at the end is the
/// last state of the process. The shared loop of the services that flush on a timer.
func runEvery(_ interval: Duration, thenOnceMoreAtShutdown work: @escaping @Sendable () async -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            try? await Task.sleep(for: interval)
            guard !Task.isCancelled else { break }
            await work()
        }
    }
    await work()
}
