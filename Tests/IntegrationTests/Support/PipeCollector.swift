import Foundation
import Synchronization

/// Drains one pipe on its own thread, so a chatty child never blocks on a full pipe,
/// and lets the test read what has arrived so far.
final class PipeCollector: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    private let finished = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                bytes.withLock { $0.append(contentsOf: chunk) }
            }
            finished.signal()
        }
        thread.start()
    }

    var data: [UInt8] { bytes.withLock { $0 } }

    var text: String { String(decoding: data, as: UTF8.self) }

    /// Waits until the writer side is closed everywhere; false when `timeout` passed first.
    /// Another child may inherit the pipe, so callers only wait a short while.
    @discardableResult
    func waitForEnd(timeout: Double) -> Bool {
        guard finished.wait(timeout: .now() + timeout) == .success else { return false }
        finished.signal()
        return true
    }
}
