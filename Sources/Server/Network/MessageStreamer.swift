import Logging
import Maildir
import NIOCore
import NIOPosix
import POP3Core

/// What a message stream needs from its connection; the connection handler is the one sink.
protocol MessageStreamSink: AnyObject {
    /// Writes the status line (`isContent` false) or encoded message octets.
    func writeMessage(_ buffer: ByteBuffer, isContent: Bool)
    func flushMessage()
    var canTakeMore: Bool { get }
    /// The whole message and its terminator are written.
    func messageSent(number: Int)
    /// The message could not be opened; nothing was written for it.
    func messageUnavailable(number: Int)
    /// Reading failed after the status line went out: the connection must close.
    func messageBroken(number: Int)
}

/// RETR and TOP off the event loop: the file is opened and read in 256 KiB chunks on the file pool, encoded there
/// (`WireEncoder`), and written on the event loop; the next chunk is read only while the channel is writable, so a
/// 50 MB message never sits in memory. Small messages that queued RETRs will ask for (the session's read-ahead
/// list) are read in the same pool job and kept until asked for.
final class MessageStreamer {
    static let chunkSize = 256 * 1_024

    private let files: NIOThreadPool
    private let eventLoop: any EventLoop
    private let allocator: ByteBufferAllocator
    private let logger: Logger
    private weak var sink: (any MessageStreamSink)?
    /// Whole small messages read ahead, by message number.
    private var readAhead: [Int: EncodedChunk] = [:]
    /// The next chunk's read, waiting for the channel to become writable.
    private var resumeWhenWritable: (() -> Void)?

    init(files: NIOThreadPool, channel: any Channel, logger: Logger, sink: any MessageStreamSink) {
        self.files = files
        self.eventLoop = channel.eventLoop
        self.allocator = channel.allocator
        self.logger = logger
        self.sink = sink
    }

    /// Sends message `number` of `opened`, preceded by `status`.
    func send(
        number: Int, status: POP3Response, bodyLines: Int?, readAheadNumbers: [Int], from maildrop: Maildrop,
        service: MaildropService
    ) {
        if bodyLines == nil, let chunk = readAhead.removeValue(forKey: number) {
            sink?.writeMessage(buffer(status.encoded()), isContent: false)
            deliver(chunk, number: number, reader: nil)
            return
        }
        let allocator = self.allocator
        let wanted = readAheadNumbers.filter { readAhead[$0] == nil }
        // Opening and the first chunk share one pool job: a small message costs a single hop.
        files.runIfActive(eventLoop: eventLoop) { () throws -> OpenedMessage in
            let folder = try service.messageFolder(of: maildrop)
            let reader = try folder.open(number: number)
            let chunk: EncodedChunk
            do {
                chunk = try Self.readChunk(reader, encoder: WireEncoder(bodyLines: bodyLines), allocator: allocator)
            } catch {
                reader.close()
                throw error
            }
            var extra: [Int: EncodedChunk] = [:]
            for candidate in wanted {
                guard let extraReader = try? folder.open(number: candidate) else { continue }
                defer { extraReader.close() }
                if let whole = try? Self.readChunk(extraReader, encoder: WireEncoder(), allocator: allocator),
                    whole.finished
                {
                    extra[candidate] = whole
                }
            }
            return OpenedMessage(reader: reader, firstChunk: chunk, readAhead: extra)
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let opened):
                readAhead.merge(opened.readAhead) { current, _ in current }
                guard let sink else { return opened.reader.close() }
                sink.writeMessage(buffer(status.encoded()), isContent: false)
                deliver(opened.firstChunk, number: number, reader: opened.reader)
            case .failure(let error):
                logger.info("message unavailable", metadata: ["number": "\(number)", "error": "\(error)"])
                sink?.messageUnavailable(number: number)
            }
        }
    }

    /// The channel can take more: continue a paused message.
    func channelBecameWritable() {
        guard let resume = resumeWhenWritable else { return }
        resumeWhenWritable = nil
        resume()
    }

    /// No queued RETR wants the read-ahead messages any more.
    func dropReadAhead() {
        readAhead.removeAll()
    }

    /// The connection closed: a paused message's reader goes (its descriptor closes with it).
    func stop() {
        resumeWhenWritable = nil
        readAhead.removeAll()
    }

    /// Writes one encoded chunk; finishes the message or reads the next chunk once the channel can take it.
    private func deliver(_ chunk: EncodedChunk, number: Int, reader: MessageReader?) {
        guard let sink else {
            reader?.close()
            return
        }
        sink.writeMessage(chunk.wire, isContent: true)
        guard !chunk.finished, let reader else {
            reader?.close()
            sink.messageSent(number: number)
            return
        }
        sink.flushMessage()
        let next = { [self] in streamChunk(number: number, reader: reader, encoder: chunk.encoder) }
        if sink.canTakeMore { next() } else { resumeWhenWritable = next }
    }

    private func streamChunk(number: Int, reader: MessageReader, encoder: WireEncoder) {
        let allocator = self.allocator
        files.runIfActive(eventLoop: eventLoop) {
            try Self.readChunk(reader, encoder: encoder, allocator: allocator)
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let chunk):
                deliver(chunk, number: number, reader: reader)
            case .failure(let error):
                reader.close()
                logger.error("read failed mid-message", metadata: ["number": "\(number)", "error": "\(error)"])
                sink?.messageBroken(number: number)
            }
        }
    }

    private func buffer(_ bytes: [UInt8]) -> ByteBuffer {
        allocator.buffer(bytes: bytes)
    }

    /// Reads up to one chunk and encodes it; runs on the pool. Reads on after a short read, so a message that ends
    /// inside this chunk is finished here instead of costing another job.
    static func readChunk(_ reader: MessageReader, encoder: WireEncoder, allocator: ByteBufferAllocator)
        throws -> EncodedChunk
    {
        var encoder = encoder
        var raw = allocator.buffer(capacity: min(chunkSize, reader.fileSize + 1))
        var atEnd = false
        while raw.readableBytes < chunkSize {
            if try reader.read(into: &raw, maxBytes: chunkSize - raw.readableBytes) == 0 {
                atEnd = true
                break
            }
        }
        var wire = allocator.buffer(capacity: raw.readableBytes + raw.readableBytes / 16 + 8)
        if raw.readableBytes > 0 { encoder.encode(raw, into: &wire) }
        let finished = atEnd || encoder.isComplete
        if finished { encoder.finish(into: &wire) }
        return EncodedChunk(encoder: encoder, wire: wire, finished: finished)
    }
}

/// A message opened on the pool, with its first encoded chunk.
struct OpenedMessage: Sendable {
    let reader: MessageReader
    let firstChunk: EncodedChunk
    /// Whole small messages read ahead for queued RETRs.
    let readAhead: [Int: EncodedChunk]
}

/// One encoded chunk of a message and the encoder state to continue with.
struct EncodedChunk: Sendable {
    let encoder: WireEncoder
    let wire: ByteBuffer
    let finished: Bool
}
