import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Drains one pipe on its own thread, so a chatty child never blocks on a full pipe,
/// and lets the test read what has arrived so far.
final class PipeCollector: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    private let finished = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle) {
        let thread = Thread { [self] in
            // read(2) returns what is there now (FileHandle's read(upToCount:) waits for the full count).
            // A read error ends collection like EOF does; the test then sees what arrived.
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                bytes.withLock { $0 += chunk[..<count] }
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
