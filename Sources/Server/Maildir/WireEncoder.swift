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
                writeContent(UnsafeRawBufferPointer(rebasing: bytes[offset..<contentEnd]), into: &out)
                return
            }
            let lineFeed = base.distance(to: UnsafeRawPointer(found))
            var contentEnd = lineFeed
            if lineFeed > offset && bytes[lineFeed - 1] == ASCII.carriageReturn { contentEnd -= 1 }
            writeContent(UnsafeRawBufferPointer(rebasing: bytes[offset..<contentEnd]), into: &out)
            endLine(into: &out)
            offset = lineFeed + 1
        }
    }

    /// Ends an unterminated last line and writes the terminator.
    public mutating func finish(into out: inout ByteBuffer) {
        if !isComplete {
            if pendingCarriageReturn {
                pendingCarriageReturn = false
                writeLoneCarriageReturn(into: &out)
            }
            if !lineIsEmpty { endLine(into: &out) }
            isComplete = true
        }
        out.writeStaticString(".\r\n")
    }

    private mutating func writeContent(_ content: UnsafeRawBufferPointer, into out: inout ByteBuffer) {
        guard let first = content.first else { return }
        if lineIsEmpty {
            if first == ASCII.dot { out.writeInteger(ASCII.dot) }
            lineIsEmpty = false
        }
        out.writeBytes(content)
    }

    /// A CR not followed by LF is data; it is never ".", so it needs no stuffing.
    private mutating func writeLoneCarriageReturn(into out: inout ByteBuffer) {
        out.writeInteger(ASCII.carriageReturn)
        lineIsEmpty = false
    }

    private mutating func endLine(into out: inout ByteBuffer) {
        out.writeStaticString("\r\n")
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
