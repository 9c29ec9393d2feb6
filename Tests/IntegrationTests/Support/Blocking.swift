import Foundation

/// Runs blocking work (sockets, child processes) on its own thread, so the tests' cooperative pool stays free
/// and tests that wait on the server can run side by side.
enum Blocking {
    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try body() }) }
            thread.start()
        }
    }
}
