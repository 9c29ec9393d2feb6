import Glibc
public import NIOCore

/// Streams raw message bytes into POP3 multi-line wire bytes: LF and CRLF become CRLF, a lone CR stays data,
/// a line starting with "." gets one more, a last line without line end gets CRLF, `finish` adds ".\r\n".
/// With `bodyLines` (TOP) it stops after the header, the blank line and that many body lines.
public struct WireEncoder: Sendable {
    /// Body lines still allowed; nil means the whole message.
    private var bodyLinesLeft: Int?
    private var inHeader = true
    /// No content byte of the current line has been written yet (decides stuffing and blank lines).
    private var lineIsEmpty = true
    /// A CR ended the previous chunk: it is a line end if the next byte is LF, else data.
    private var pendingCarriageReturn = false
    public private(set) var isComplete = false

    public init(bodyLines: Int? = nil) {
        bodyLinesLeft = bodyLines.map { max(0, $0) }
    }

    public mutating func encode(_ chunk: ByteBuffer, into out: inout ByteBuffer) {
        chunk.withUnsafeReadableBytes { encode(bytes: $0, into: &out) }
    }

    public mutating func encode(bytes: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        var offset = 0
        while offset < bytes.count && !isComplete {
            // Output is at most 2 octets per input octet (LF becomes CRLF, "." on a line of its own becomes
            // "..") plus a held-back CR: encode the slice that surely fits what `out` has free, so the loop
            // below writes raw memory without a capacity check per line.
            let free = out.writableBytes - 4
            let slice = min(bytes.count - offset, free >= 8_192 ? free / 2 : 32_768)
            out.writeWithUnsafeMutableBytes(minimumWritableBytes: 2 * slice + 4) { destination in
                var writer = RawWriter(destination)
                encode(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + slice]), into: &writer)
                return writer.count
            }
            offset += slice
        }
    }

    private mutating func encode(_ bytes: UnsafeRawBufferPointer, into out: inout RawWriter) {
        guard let base = bytes.baseAddress, !bytes.isEmpty, !isComplete else { return }
        let end = bytes.count
        var offset = 0
        if pendingCarriageReturn {
            pendingCarriageReturn = false
            if bytes[0] == ASCII.lineFeed {
                endLine(into: &out)
                offset = 1
            } else {
                writeLoneCarriageReturn(into: &out)
            }
        }
        while offset < end && !isComplete {
            guard let found = memchr(base + offset, Int32(ASCII.lineFeed), end - offset) else {
                // The line goes on in the next chunk; hold back a trailing CR until we see what follows.
                var contentEnd = end
                if bytes[end - 1] == ASCII.carriageReturn {
                    pendingCarriageReturn = true
                    contentEnd -= 1
                }
                writeContent(base + offset, count: contentEnd - offset, into: &out)
                return
            }
            let lineFeed = base.distance(to: UnsafeRawPointer(found))
            var contentEnd = lineFeed
            if lineFeed > offset && bytes[lineFeed - 1] == ASCII.carriageReturn { contentEnd -= 1 }
            writeContent(base + offset, count: contentEnd - offset, into: &out)
            endLine(into: &out)
            offset = lineFeed + 1
        }
    }

    /// Ends an unterminated last line and writes the terminator.
    public mutating func finish(into out: inout ByteBuffer) {
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: 8) { destination in
            var writer = RawWriter(destination)
            if !isComplete {
                if pendingCarriageReturn {
                    pendingCarriageReturn = false
                    writeLoneCarriageReturn(into: &writer)
                }
                if !lineIsEmpty { endLine(into: &writer) }
                isComplete = true
            }
            writer.append(ASCII.dot)
            writer.append(ASCII.carriageReturn)
            writer.append(ASCII.lineFeed)
            return writer.count
        }
    }

    private mutating func writeContent(_ content: UnsafeRawPointer, count: Int, into out: inout RawWriter) {
        guard count > 0 else { return }
        if lineIsEmpty {
            if content.load(as: UInt8.self) == ASCII.dot { out.append(ASCII.dot) }
            lineIsEmpty = false
        }
        out.append(content, count: count)
    }

    /// A CR not followed by LF is data; it is never ".", so it needs no stuffing.
    private mutating func writeLoneCarriageReturn(into out: inout RawWriter) {
        out.append(ASCII.carriageReturn)
        lineIsEmpty = false
    }

    private mutating func endLine(into out: inout RawWriter) {
        out.append(ASCII.carriageReturn)
        out.append(ASCII.lineFeed)
        defer { lineIsEmpty = true }
        guard let left = bodyLinesLeft else { return }
        if inHeader {
            if lineIsEmpty {
                inHeader = false
                isComplete = left == 0
            }
        } else {
            bodyLinesLeft = left - 1
            isComplete = left - 1 == 0
        }
    }
}

/// Appends to memory the caller has sized for the worst case; no bounds check per call.
private struct RawWriter {
    private let start: UnsafeMutableRawPointer
    private var position: UnsafeMutableRawPointer
    private let limit: UnsafeMutableRawPointer

    init(_ buffer: UnsafeMutableRawBufferPointer) {
        start = buffer.baseAddress!
        position = start
        limit = start + buffer.count
    }

    var count: Int { start.distance(to: position) }

    mutating func append(_ byte: UInt8) {
        assert(position < limit)
        position.storeBytes(of: byte, as: UInt8.self)
        position += 1
    }

    mutating func append(_ bytes: UnsafeRawPointer, count: Int) {
        assert(position + count <= limit)
        position.copyMemory(from: bytes, byteCount: count)
        position += count
    }
}
