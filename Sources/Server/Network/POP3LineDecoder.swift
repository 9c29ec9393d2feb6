import NIOCore
import POP3Core

/// Splits the byte stream into lines ending in CRLF or a bare LF. A line over `maximumLineLength` is discarded up
/// to its line end and reported as `.lineTooLong`; `maximumDiscardedBytes` without any line end is an error, which
/// closes the connection (a client that never ends a line cannot make us buffer without bound).
///
/// A class, so that the connection handler can tell it to forget what it holds when STLS starts.
final class POP3LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = POP3Inbound

    static let maximumLineLength = POP3Limits.maxCommandLineOctets
    /// The longest line framed here: `maximumLineLength`, or more where OAuth tokens are accepted (the session
    /// then holds every line but a bearer response to `maximumLineLength`).
    let lineLimit: Int

    init(lineLimit: Int = POP3LineDecoder.maximumLineLength) {
        self.lineLimit = lineLimit
    }
    static let maximumDiscardedBytes = 64 * 1_024

    /// A line that never ended.
    struct LineNeverEnds: Error {}

    /// True while skipping the rest of an over-long line.
    private var discarding = false
    private var discardedBytes = 0
    /// Octets left undecoded after the last call, and how many of them STLS asked to skip.
    private var undecodedBytes = 0
    private var bytesToSkip = 0
    /// True inside `decode`; STLS asked, while a line was being handed on, to drop what follows it.
    private var decoding = false
    private var dropRest = false

    func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        decoding = true
        defer { decoding = false }
        if bytesToSkip > 0 {
            let skipped = min(bytesToSkip, buffer.readableBytes)
            buffer.moveReaderIndex(forwardBy: skipped)
            bytesToSkip -= skipped
        }
        defer { undecodedBytes = buffer.readableBytes }
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            // One octet more than the limit may still be the CR of a line of exactly the limit.
            if discarding || buffer.readableBytes > lineLimit + 1 {
                // Keep nothing of a line that is already too long; report it at its end.
                discarding = true
                discardedBytes += buffer.readableBytes
                buffer.moveReaderIndex(to: buffer.writerIndex)
                if discardedBytes > Self.maximumDiscardedBytes { throw LineNeverEnds() }
            }
            return .needMoreData
        }
        let length = newline - buffer.readerIndex
        if discarding {
            buffer.moveReaderIndex(forwardBy: length + 1)
            discarding = false
            discardedBytes = 0
            context.fireChannelRead(wrapInboundOut(.lineTooLong))
            return .continue
        }
        var line = buffer.readBytes(length: length) ?? []
        buffer.moveReaderIndex(forwardBy: 1)
        if line.last == UInt8(ascii: "\r") { line.removeLast() }
        context.fireChannelRead(wrapInboundOut(line.count > lineLimit ? .lineTooLong : .line(line)))
        if dropRest {
            // Everything still here came in clear behind STLS.
            dropRest = false
            buffer.moveReaderIndex(to: buffer.writerIndex)
            return .needMoreData
        }
        return .continue
    }

    func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        // A last line without its line end is not a command.
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .needMoreData
    }

    /// STLS: what the client sent in clear after the command must not be executed once TLS is up. Called while
    /// the STLS line is being handed on, the rest of the buffer goes at once; called later (STLS waited in the
    /// session's queue), the octets left after the last decode go before any that TLS brings.
    func discardBufferedInput() {
        if decoding {
            dropRest = true
        } else {
            bytesToSkip = undecodedBytes
        }
        discarding = false
        discardedBytes = 0
    }
}
