import Storage

/// Runs blocking work on the calling test's own thread: the maildir tests check what the work does, not where.
struct InlineExecutor: BlockingExecutor {
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try work()
    }
}
