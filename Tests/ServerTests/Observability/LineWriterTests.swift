import Foundation
import Glibc
import Testing

@testable import Server

@Suite("Line writer")
struct LineWriterTests {
    @Test("lines written from many threads at once arrive whole, each exactly once")
    func concurrentLinesStayWhole() throws {
        var ends: [Int32] = [0, 0]
        try #require(pipe(&ends) == 0)
        let writer = LineWriter(fileDescriptor: ends[1])
        let reader = PipeReader(descriptor: ends[0])
        // Lines longer than PIPE_BUF (4096), which the kernel may split and interleave without the lock.
        let padding = String(repeating: "x", count: 6_000)
        DispatchQueue.concurrentPerform(iterations: 8) { thread in
            for index in 0..<50 {
                writer.write(Array("\(thread) \(index) \(padding)\n".utf8))
            }
        }
        close(ends[1])
        let lines = reader.waitForAll().split(separator: "\n", omittingEmptySubsequences: false)
        close(ends[0])
        #expect(lines.last == "")
        let whole = lines.dropLast()
        #expect(whole.count == 400)
        #expect(whole.allSatisfy { $0.hasSuffix(" " + padding) && $0.split(separator: " ").count == 3 })
        #expect(Set(whole.map { $0.split(separator: " ").prefix(2).joined(separator: " ") }).count == 400)
    }

    @Test("a closed descriptor drops the line instead of crashing or hanging")
    func closedDescriptor() {
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        close(ends[1])
        close(ends[0])
        LineWriter(fileDescriptor: ends[1]).write(Array("lost\n".utf8))
    }
}

/// Drains a pipe on its own thread so writers never block on a full pipe.
private final class PipeReader: @unchecked Sendable {
    // Written only by the reading thread before `done` is signalled, read only after waiting on it.
    private var bytes: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)

    init(descriptor: Int32) {
        Thread { [self] in
            var chunk = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { break }
                bytes += chunk[..<count]
            }
            done.signal()
        }.start()
    }

    func waitForAll() -> String {
        done.wait()
        return String(decoding: bytes, as: UTF8.self)
    }
}
