import Maildir
import NIOCore
import POP3Core

/// One unit of input for the session: a command line, or what the framer did instead.
enum POP3Inbound: Sendable, Equatable {
    /// A line without its line end.
    case line([UInt8])
    /// A line over the limit was discarded up to its line end.
    case lineTooLong

    /// The octets this stood for on the wire, as the input bound counts them (a line end is two).
    var wireLength: Int {
        switch self {
        case .line(let bytes): bytes.count + 2
        case .lineTooLong: 2
        }
    }
}

/// Splits the byte stream into lines ending in CRLF or a bare LF. A line over `maximumLineLength` is discarded
/// up to its line end and reported as `.lineTooLong`; `maximumBufferedBytes` without any line end closes the
/// connection (a client that never ends a line cannot make us buffer without bound).
final class POP3LineFramer: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = POP3Inbound

    static let maximumLineLength = 1_024
    static let maximumBufferedBytes = 64 * 1_024

    private var buffer = ByteBuffer()
    /// True while skipping the rest of an over-long line.
    private var discarding = false
    private var discardedBytes = 0

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        buffer.writeBuffer(&incoming)
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readerIndex
            if discarding {
                buffer.moveReaderIndex(forwardBy: length + 1)
                discarding = false
                discardedBytes = 0
                context.fireChannelRead(wrapInboundOut(.lineTooLong))
                continue
            }
            var line = buffer.readBytes(length: length) ?? []
            buffer.moveReaderIndex(forwardBy: 1)
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            context.fireChannelRead(wrapInboundOut(line.count > Self.maximumLineLength ? .lineTooLong : .line(line)))
        }
        if discarding {
            discardedBytes += buffer.readableBytes
            buffer.clear()
            if discardedBytes > Self.maximumBufferedBytes { context.close(promise: nil) }
        } else if buffer.readableBytes > Self.maximumLineLength {
            // Keep nothing of a line that is already too long; remember to report it at its end.
            discarding = true
            discardedBytes = buffer.readableBytes
            buffer.clear()
        }
        buffer.discardReadBytes()
    }

    /// STLS: anything the client sent before the handshake must not be executed afterwards.
    func discardBufferedInput() {
        buffer.clear()
        discarding = false
        discardedBytes = 0
    }
}
