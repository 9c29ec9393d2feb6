import Foundation
import Glibc

/// A blocking IPv4 client for the listener and endpoint tests: sends raw bytes, reads until the server closes.
// @unchecked Sendable: its only state is the descriptor, set once.
final class LoopbackSocket: @unchecked Sendable {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw TestFailure("connect failed: errno \(errno)") }
    }

    deinit { close(descriptor) }

    func send(_ bytes: [UInt8]) {
        _ = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Everything received until the peer closes; nil when it is still open after `seconds`.
    func readUntilClosed(seconds: Double) -> [UInt8]? {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&request, 1, 100) >= 0 else { break }
            guard request.revents != 0 else { continue }
            var chunk = [UInt8](repeating: 0, count: 4_096)
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return received }
            received += chunk[..<count]
        }
        return nil
    }

    /// `readUntilClosed` on a thread of its own, so waiting holds none of Swift's shared threads: a server under
    /// test answers monitor requests on them.
    func readUntilClosedOffThread(seconds: Double) async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: self.readUntilClosed(seconds: seconds)) }.start()
        }
    }

    /// What was received once `complete` holds for it; nil when the peer closes first or after `seconds`. Reads
    /// on a thread of its own; what arrives beyond the point where `complete` holds is returned too.
    func readOffThread(seconds: Double, until complete: @escaping @Sendable ([UInt8]) -> Bool) async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            Thread {
                var received: [UInt8] = []
                let deadline = Date().addingTimeInterval(seconds)
                while Date() < deadline, !complete(received) {
                    var request = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
                    guard poll(&request, 1, 100) >= 0 else { break }
                    guard request.revents != 0 else { continue }
                    var chunk = [UInt8](repeating: 0, count: 4_096)
                    let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
                    guard count > 0 else { break }
                    received += chunk[..<count]
                }
                continuation.resume(returning: complete(received) ? received : nil)
            }.start()
        }
    }

    /// Sends `bytes` one at a time, `interval` seconds apart, until the peer closes the connection (true) or they
    /// run out or `seconds` pass (false). On a thread of its own.
    func trickleUntilClosedOffThread(_ bytes: [UInt8], interval: Double, seconds: Double) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread {
                let deadline = Date().addingTimeInterval(seconds)
                for byte in bytes where Date() < deadline {
                    let sent = [byte].withUnsafeBytes {
                        Glibc.send(self.descriptor, $0.baseAddress, 1, Int32(MSG_NOSIGNAL))
                    }
                    if sent < 0 { return continuation.resume(returning: true) }  // reset by the peer
                    var request = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
                    if poll(&request, 1, Int32(interval * 1_000)) > 0 {
                        var chunk = [UInt8](repeating: 0, count: 4_096)
                        let count = chunk.withUnsafeMutableBytes { recv(self.descriptor, $0.baseAddress, $0.count, 0) }
                        if count <= 0 { return continuation.resume(returning: true) }
                    }
                }
                continuation.resume(returning: false)
            }.start()
        }
    }

    /// Sends `bytes` again and again, never reading, until one send makes no progress for `stall` seconds (the
    /// peer pushes back): returns the octets sent by then, or nil when `seconds` pass without such a stall.
    func sendUntilStalledOffThread(_ bytes: [UInt8], stall: Double, seconds: Double) async -> Int? {
        await withCheckedContinuation { continuation in
            Thread {
                var timeout = timeval(tv_sec: Int(stall), tv_usec: Int((stall - stall.rounded(.down)) * 1_000_000))
                setsockopt(
                    self.descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                var total = 0
                let deadline = Date().addingTimeInterval(seconds)
                while Date() < deadline {
                    let sent = bytes.withUnsafeBytes {
                        Glibc.send(self.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                    }
                    if sent < 0, errno == EINTR { continue }
                    if sent < 0 {
                        let stalled = errno == EAGAIN || errno == EWOULDBLOCK
                        return continuation.resume(returning: stalled ? total : nil)
                    }
                    total += sent
                }
                continuation.resume(returning: nil)
            }.start()
        }
    }

    /// `readUntilClosed` as text.
    func readTextUntilClosed(seconds: Double) -> String? {
        readUntilClosed(seconds: seconds).map { String(decoding: $0, as: UTF8.self) }
    }
}
