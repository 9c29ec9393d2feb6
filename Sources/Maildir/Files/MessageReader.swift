import Glibc
import Synchronization

/// Reads one message file in chunks (blocking). Closes its descriptor in `close()` or when released.
public final class MessageReader: Sendable {
    /// The name in `cur/` that was opened (differs from the scanned name after a flag change).
    public let fileName: String
    /// The file's size in octets when it was opened.
    public let fileSize: Int
    private let path: String
    /// The descriptor, -1 once closed; the mutex makes a reader safe to hand between threads.
    private let descriptor: Mutex<Int32>

    init(descriptor: Int32, fileName: String, path: String, fileSize: Int) {
        self.descriptor = Mutex(descriptor)
        self.fileName = fileName
        self.path = path
        self.fileSize = fileSize
    }

    deinit { close() }

    /// Reads up to `destination.count` octets into it; returns how many, 0 at end of file (or after `close`).
    public func read(into destination: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !destination.isEmpty else { return 0 }
        return try descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return 0 }
            return try FileSystem.read(descriptor, into: destination, path: path)
        }
    }

    /// Closes the descriptor; later calls do nothing.
    public func close() {
        descriptor.withLock { descriptor in
            if descriptor >= 0 { _ = Glibc.close(descriptor) }
            descriptor = -1
        }
    }
}
