import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes whole lines to a file descriptor, one at a time, so lines from many threads never interleave.
public final class LineWriter: Sendable {
    /// The process's standard output, shared by every handler that writes there.
    public static let standardOutput = LineWriter(fileDescriptor: 1)

    /// The descriptor, behind the lock that keeps one line's writes together.
    private let descriptor: Mutex<Int32>

    public init(fileDescriptor: Int32) {
        descriptor = Mutex(fileDescriptor)
    }

    /// Writes `line` completely (retrying short writes and EINTR); a broken descriptor drops the line, since a
    /// logger has nowhere to report its own failure.
    public func write(_ line: [UInt8]) {
        descriptor.withLock { descriptor in
            line.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = Self.systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
            }
        }
    }

    private static func systemWrite(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
        #if canImport(Glibc)
            Glibc.write(descriptor, pointer, count)
        #else
            Darwin.write(descriptor, pointer, count)
        #endif
    }
}
