import NIOCore
import NIOPosix

/// One POP3 connection, used by one task: writes commands and reads replies, checking each as it goes.
final class POP3Connection {
    private var inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator
    private let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    private var pending = ByteBuffer()
    /// What this connection saw; the scenario adds it to its run's total.
    var tally = Tally()

    private init(
        inbound: NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) {
        self.inbound = inbound
        self.outbound = outbound
    }

    /// Connects, reads the greeting, runs `body`, closes. Failures are counted in the tally `body` returns.
    static func session(
        to target: ServerAddress, on group: any EventLoopGroup,
        _ body: (POP3Connection) async throws -> Void
    ) async -> Tally {
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connect(host: target.host, port: target.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            var tally = Tally()
            tally.connectionFailures += 1
            return tally
        }
        var result = Tally()
        do {
            try await channel.executeThenClose { inbound, outbound in
                let connection = POP3Connection(inbound: inbound.makeAsyncIterator(), outbound: outbound)
                defer { result = connection.tally }
                do {
                    _ = try await connection.expectOK()
                    try await body(connection)
                } catch let failure as SessionFailure {
                    // Already counted where it was seen; the session just ends.
                    _ = failure
                } catch {
                    connection.tally.connectionFailures += 1
                }
            }
        } catch {
            result.connectionFailures += 1
        }
        return result
    }

    /// Writes one command line.
    func send(_ command: String) async throws {
        try await outbound.write(ByteBuffer(string: command + "\r\n"))
    }

    /// Writes several command lines in one write (pipelining).
    func send(_ commands: some Sequence<String>) async throws {
        var buffer = ByteBuffer()
        for command in commands {
            buffer.writeString(command)
            buffer.writeStaticString("\r\n")
        }
        try await outbound.write(buffer)
    }

    /// Reads a status line; anything but `+OK` is counted and ends the session.
    @discardableResult
    func expectOK() async throws -> [UInt8] {
        let line = try await statusLine()
        guard line.starts(with: Array("+OK".utf8)) else {
            tally.errorReplies += 1
            if tally.firstProblem == nil { tally.firstProblem = String(decoding: line.prefix(120), as: UTF8.self) }
            throw SessionFailure.errorReply(String(decoding: line, as: UTF8.self))
        }
        return line
    }

    /// Reads the body of a multi-line reply whose `+OK` was already read.
    func multiline(collect: Bool) async throws -> MultilineScanner {
        var scanner = MultilineScanner(collect: collect)
        while true {
            let consumed = pending.withUnsafeReadableBytes { scanner.scan($0) }
            pending.moveReaderIndex(forwardBy: consumed)
            if scanner.finished { break }
            try await fill()
        }
        tally.malformedLines += scanner.bareLineFeeds
        tally.unstuffedDots += scanner.unstuffedDots
        return scanner
    }

    /// After QUIT's `+OK`: waits for the server to close, so the next session of this user finds it unlocked.
    func awaitClose() async throws {
        if pending.readableBytes > 0 { tally.malformedLines += 1 }
        while let extra = try await inbound.next() {
            if extra.readableBytes > 0 { tally.malformedLines += 1 }
        }
    }

    private func statusLine() async throws -> [UInt8] {
        while true {
            if let lineFeed = pending.readableBytesView.firstIndex(of: 0x0A) {
                let length = lineFeed - pending.readerIndex
                let line = pending.readBytes(length: length + 1) ?? []
                guard length >= 1, line[length - 1] == 0x0D else {
                    tally.malformedLines += 1
                    throw SessionFailure.malformed
                }
                return Array(line[0..<(length - 1)])
            }
            try await fill()
        }
    }

    private func fill() async throws {
        guard let chunk = try await inbound.next() else {
            tally.connectionFailures += 1
            throw SessionFailure.closed
        }
        if pending.readableBytes == 0 {
            pending = chunk
        } else {
            pending.discardReadBytes()
            pending.writeImmutableBuffer(chunk)
        }
    }
}

/// Why a session ended early; the tally already holds the count.
enum SessionFailure: Error {
    case errorReply(String)
    case malformed
    case closed
    case mismatch
}
