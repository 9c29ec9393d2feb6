import Foundation
import Synchronization

/// The exit of a child process, recorded by its termination handler and awaited by the test.
final class ProcessExit: Sendable {
    private let status = Mutex<Int32?>(nil)
    private let semaphore = DispatchSemaphore(value: 0)

    var hasExited: Bool { status.withLock { $0 } != nil }

    var exitStatus: Int32? { status.withLock { $0 } }

    func record(_ value: Int32) {
        status.withLock { $0 = value }
        semaphore.signal()
    }

    /// Blocks until the exit or `timeout`; true when the process exited.
    func wait(timeout: Double) -> Bool {
        guard semaphore.wait(timeout: .now() + timeout) == .success else { return false }
        semaphore.signal()
        return true
    }
}
