#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a whole text file (or standard input for "-") without Foundation.
enum TextFile {
    struct Failure: Error, CustomStringConvertible {
        var path: String
        var code: CInt
        var description: String {
            let reason = strerror(code).map { String(cString: $0) } ?? "error \(code)"
            return "cannot read \(path): \(reason)"
        }
    }

    /// Largest file read, so a wrong path (a device, a huge log) cannot exhaust memory.
    static let maxBytes = 64 * 1_024 * 1_024

    static func read(_ path: String) throws -> String {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY)
        guard descriptor >= 0 else { throw Failure(path: path, code: errno) }
        defer { if descriptor != STDIN_FILENO { close(descriptor) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while bytes.count < maxBytes {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw Failure(path: path, code: errno) }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
