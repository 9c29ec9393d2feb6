import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A plain TCP connection to pop3d that sends exact bytes and reads exact bytes, for tests that need control
/// a library client does not give (pipelining, junk, dropped connections).
/// Each call blocks on its own thread (see `Blocking`); one test uses a connection at a time.
final class RawConnection: Sendable {
    enum ReadError: Error, Equatable {
        case closed(partial: [UInt8])
        case timedOut(partial: [UInt8])
    }

    private let descriptor: Int32
    private let buffer = Mutex<[UInt8]>([])
    private let isClosed = Atomic<Bool>(false)

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close() }

    /// Connects to 127.0.0.1:`port`, from `source` (another loopback address, such as 127.0.0.2) when given. The
    /// socket is close-on-exec so client processes never inherit it (an inherited copy would keep a "dropped"
    /// connection open).
    static func connect(port: Int, source: String? = nil) async throws -> RawConnection {
        try await Blocking.run { try connectBlocking(port: port, source: source) }
    }

    /// Connects and sends `bytes` at once, on one thread: for a server that gives the client only a short time to
    /// speak first (a PROXY header), which a test resumed late between two steps would miss.
    static func connect(port: Int, source: String? = nil, sending bytes: [UInt8]) async throws -> RawConnection {
        try await Blocking.run {
            let connection = try connectBlocking(port: port, source: source)
            try connection.blockingSend(bytes)
            return connection
        }
    }

    /// `connect(port:source:)` on the calling thread, for a caller already on a thread of its own.
    static func connectBlocking(port: Int, source: String? = nil) throws -> RawConnection {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw IntegrationError("socket() failed: errno \(errno)") }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                let code = errno
                Glibc.close(descriptor)
                throw IntegrationError("bind to \(source) failed: errno \(code)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(descriptor)
            throw IntegrationError("connect to port \(port) failed: errno \(code)")
        }
        return RawConnection(descriptor: descriptor)
    }

    /// Connects and reads the greeting, which must be `+OK`.
    static func open(port: Int, source: String? = nil) async throws -> RawConnection {
        let connection = try await connect(port: port, source: source)
        let greeting = try await connection.line()
        guard greeting.hasPrefix("+OK") else { throw IntegrationError("unexpected greeting: \(greeting)") }
        return connection
    }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) async throws {
        try await Blocking.run { [self] in try blockingSend(bytes) }
    }

    /// Sends `bytes` on the calling thread.
    func blockingSend(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if sent < 0, errno == EINTR { continue }
            guard sent > 0 else { throw IntegrationError("send failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Sends `command` with CRLF and returns the first response line (both on one thread of its own).
    func command(_ command: String, timeout: Double = 30) async throws -> String {
        try await Blocking.run { [self] in try commandBlocking(command, timeout: timeout) }
    }

    /// Like `command`, and also the seconds from the send to the answer, measured on the thread that waits for it
    /// (so that a busy task pool, resuming the test late, does not count).
    func timedCommand(_ command: String, timeout: Double = 30) async throws -> (answer: String, seconds: Double) {
        try await Blocking.run { [self] in
            let started = ContinuousClock.now
            let answer = try commandBlocking(command, timeout: timeout)
            let elapsed = ContinuousClock.now - started
            return (answer, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }

    /// One line on the calling thread, without its line end.
    func lineBlocking(timeout: Double = 30) throws -> String {
        String(decoding: try blockingLine(timeout: timeout), as: UTF8.self)
    }

    /// `command` on the calling thread, for a caller already on a thread of its own.
    func commandBlocking(_ command: String, timeout: Double = 30) throws -> String {
        try blockingSend(Array((command + "\r\n").utf8))
        return String(decoding: try blockingLine(timeout: timeout), as: UTF8.self)
    }

    /// Reads one line and returns it without its line end.
    func line(timeout: Double = 30) async throws -> String {
        String(decoding: try await lineBytes(timeout: timeout), as: UTF8.self)
    }

    func lineBytes(timeout: Double = 30) async throws -> [UInt8] {
        try await Blocking.run { [self] in try blockingLine(timeout: timeout) }
    }

    /// Reads the body of a multi-line response after its status line: the raw, still dot-stuffed octets
    /// with their CRLFs, up to and without the terminating `.` line.
    func multilineBody(timeout: Double = 30) async throws -> [UInt8] {
        try await Blocking.run { [self] in
            var body: [UInt8] = []
            while true {
                let line = try blockingLine(timeout: timeout)
                if line == [UInt8(ascii: ".")] { return body }
                body += line + [13, 10]
            }
        }
    }

    /// Lines of a multi-line response body, dot-unstuffed.
    func multilineLines(timeout: Double = 30) async throws -> [String] {
        let body = try await multilineBody(timeout: timeout)
        return WireText.lines(body).map { $0.hasPrefix("..") ? String($0.dropFirst()) : $0 }
    }

    /// Reads exactly `count` octets.
    func read(count: Int, timeout: Double = 30) async throws -> [UInt8] {
        try await Blocking.run { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                let bytes: [UInt8]? = buffer.withLock { bytes in
                    guard bytes.count >= count else { return nil }
                    defer { bytes.removeFirst(count) }
                    return Array(bytes.prefix(count))
                }
                if let bytes { return bytes }
                switch fill(deadline: deadline) {
                case .data: continue
                case .closed: throw ReadError.closed(partial: buffer.withLock { $0 })
                case .timedOut: throw ReadError.timedOut(partial: buffer.withLock { $0 })
                }
            }
        }
    }

    /// Sends `bytes` one at a time, `interval` seconds apart, until the server closes the connection (true), or
    /// they run out or `timeout` seconds pass (false).
    func trickleUntilClosed(_ bytes: [UInt8], interval: Double, timeout: Double = 30) async throws -> Bool {
        try await Blocking.run { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            for byte in bytes where Date() < deadline {
                let sent = [byte].withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, 1, Int32(MSG_NOSIGNAL)) }
                if sent < 0 { return true }  // reset by the server
                switch fill(deadline: Date().addingTimeInterval(interval)) {
                case .closed: return true
                case .data, .timedOut: continue
                }
            }
            return false
        }
    }

    /// Reads until the server closes the connection; returns what arrived and whether it closed in time.
    func readUntilClosed(timeout: Double = 30) async throws -> (bytes: [UInt8], closed: Bool) {
        try await Blocking.run { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            while true {
                switch fill(deadline: deadline) {
                case .data: continue
                case .closed: return (buffer.withLock { $0 }, true)
                case .timedOut: return (buffer.withLock { $0 }, false)
                }
            }
        }
    }

    /// Waits until the octets received but not read stop growing (the sender stalled on full buffers), checking
    /// every 50 ms, and returns their count; gives up after `timeout` seconds.
    func waitUntilUnreadBytesSettle(timeout: Double = 60) async throws -> Int {
        try await Blocking.run { [self] in
            let deadline = Date().addingTimeInterval(timeout)
            var last = -1
            var steady = 0
            while Date() < deadline {
                var count: Int32 = 0
                guard ioctl(descriptor, UInt(FIONREAD), &count) == 0 else {
                    throw IntegrationError("FIONREAD failed: errno \(errno)")
                }
                steady = Int(count) == last && count > 0 ? steady + 1 : 0
                if steady == 4 { return last }
                last = Int(count)
                Thread.sleep(forTimeInterval: 0.05)
            }
            return last
        }
    }

    /// Closes the socket without QUIT, like a client that crashed.
    func close() {
        if !isClosed.exchange(true, ordering: .acquiringAndReleasing) { Glibc.close(descriptor) }
    }

    private enum Fill {
        case data
        case closed
        case timedOut
    }

    private func blockingLine(timeout: Double) throws -> [UInt8] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let line: [UInt8]? = buffer.withLock { bytes in
                guard let newline = bytes.firstIndex(of: 10) else { return nil }
                var line = Array(bytes[..<newline])
                bytes.removeSubrange(...newline)
                if line.last == 13 { line.removeLast() }
                return line
            }
            if let line { return line }
            switch fill(deadline: deadline) {
            case .data: continue
            case .closed: throw ReadError.closed(partial: buffer.withLock { $0 })
            case .timedOut: throw ReadError.timedOut(partial: buffer.withLock { $0 })
            }
        }
    }

    /// Waits for bytes until `deadline` and appends them to the buffer. A reset counts as closed.
    private func fill(deadline: Date) -> Fill {
        let milliseconds = Int32(max(0, min(deadline.timeIntervalSinceNow * 1000, 60_000)))
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, milliseconds)
        if ready < 0, errno == EINTR { return .data }
        guard ready > 0 else { return .timedOut }
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
        if count < 0, errno == EINTR { return .data }
        guard count > 0 else { return .closed }
        buffer.withLock { $0 += chunk[..<count] }
        return .data
    }
}
