import Foundation
import Logging
import Maildir
import NIOCore
import NIOSSL
import POP3Core
import Storage

// RETR and TOP: a message streamed from the pool in encoded chunks, with back-pressure.
extension POP3ConnectionHandler {
    // MARK: RETR and TOP

    /// Messages up to this size may be read ahead for pipelined RETRs, up to `prefetchBudget` bytes per job.
    static let prefetchMessageLimit = 64 * 1_024
    static let prefetchBudget = 256 * 1_024

    func sendMessage(number: Int, size: Int, bodyLines: Int?) {
        guard let context, let maildrop, let store = maildirStore, maildrop.messages.indices.contains(number - 1)
        else {
            resume(with: session.messageUnavailable(number: number))
            return
        }
        if bodyLines == nil, let chunk = prefetched.removeValue(forKey: number) {
            write(POP3Response.ok("\(size) octets").encoded())
            messageBytesSent += Int64(chunk.wire.readableBytes)
            write(chunk.wire)
            server.metrics.add(.messagesRetrieved)
            resume(with: session.messageSent(number: number))
            return
        }
        let message = maildrop.messages[number - 1]
        let ahead = bodyLines == nil ? readAheadCandidates(after: number) : []
        let allocator = context.channel.allocator
        // Opening and the first chunk share one pool job: a small message costs a single hop. Pipelined RETRs of
        // small messages waiting behind this one are read in the same job.
        server.ioPool.runIfActive(eventLoop: context.eventLoop) { () throws -> OpenedMessage in
            let reader = try store.openMessage(message, in: maildrop)
            let chunk: EncodedChunk
            do {
                chunk = try Self.readChunk(reader, encoder: WireEncoder(bodyLines: bodyLines), allocator: allocator)
            } catch {
                reader.close()
                throw error
            }
            var extra: [Int: EncodedChunk] = [:]
            for candidate in ahead {
                guard let extraReader = try? store.openMessage(maildrop.messages[candidate - 1], in: maildrop) else {
                    continue
                }
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
                prefetched.merge(opened.readAhead) { current, _ in current }
                write(POP3Response.ok("\(size) octets").encoded())
                deliver(opened.firstChunk, number: number, reader: opened.reader)
            case .failure(let error):
                logger.info("message unavailable", metadata: ["number": "\(number)", "error": "\(error)"])
                resume(with: session.messageUnavailable(number: number))
            }
        }
    }

    /// Small messages named by RETR lines already waiting in the queue, within the read-ahead budget.
    private func readAheadCandidates(after number: Int) -> [Int] {
        guard let maildrop, !queued.isEmpty else { return [] }
        var candidates: [Int] = []
        var budget = Self.prefetchBudget
        for inbound in queued.prefix(64) {
            guard case .line(let bytes) = inbound, case .success(.retr(let candidate)) = POP3CommandParser.parse(bytes),
                candidate != number, maildrop.messages.indices.contains(candidate - 1),
                prefetched[candidate] == nil, !candidates.contains(candidate)
            else { continue }
            let size = maildrop.messages[candidate - 1].wireSize
            guard size <= Self.prefetchMessageLimit, size <= budget else { break }
            budget -= size
            candidates.append(candidate)
        }
        return candidates
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
            let count = try reader.read(into: &raw, maxBytes: chunkSize - raw.readableBytes)
            if count == 0 {
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

    /// Streams the next chunk from the pool, while the channel stays writable.
    func streamChunk(number: Int, reader: MessageReader, encoder: WireEncoder) {
        guard let context else {
            reader.close()
            return
        }
        let allocator = context.channel.allocator
        server.ioPool.runIfActive(eventLoop: context.eventLoop) {
            try Self.readChunk(reader, encoder: encoder, allocator: allocator)
        }.assumeIsolated().whenComplete { [self] result in
            switch result {
            case .success(let chunk):
                deliver(chunk, number: number, reader: reader)
            case .failure(let error):
                // The +OK is already out: the only honest answer left is to drop the connection.
                reader.close()
                logger.error("read failed mid-message", metadata: ["number": "\(number)", "error": "\(error)"])
                endReason = .error
                flushIfNeeded()
                self.context?.close(promise: nil)
            }
        }
    }

    /// Writes one encoded chunk; finishes the message or asks for the next chunk when the channel can take it.
    func deliver(_ chunk: EncodedChunk, number: Int, reader: MessageReader) {
        guard let context else {
            reader.close()
            return
        }
        messageBytesSent += Int64(chunk.wire.readableBytes)
        write(chunk.wire)
        lastActivity = .now()
        if chunk.finished {
            reader.close()
            server.metrics.add(.messagesRetrieved)
            resume(with: session.messageSent(number: number))
            return
        }
        flushIfNeeded()
        let next = { [self] in streamChunk(number: number, reader: reader, encoder: chunk.encoder) }
        if context.channel.isWritable { next() } else { resumeWhenWritable = next }
    }
}

/// A message opened on the pool, with its first encoded chunk.
struct OpenedMessage: Sendable {
    let reader: MessageReader
    let firstChunk: EncodedChunk
    /// Whole small messages read ahead for pipelined RETRs.
    let readAhead: [Int: EncodedChunk]
}

/// One encoded chunk of a message and the encoder state to continue with.
struct EncodedChunk: Sendable {
    let encoder: WireEncoder
    let wire: ByteBuffer
    let finished: Bool
}
