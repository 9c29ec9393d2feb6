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

    /// A whole message in wire form, terminator included.
    public static func encodedMessage(_ message: [UInt8]) -> [UInt8] {
        var encoder = WireEncoder()
        var output = [UInt8](repeating: 0, count: worstCaseSize(of: message.count) + finishSize)
        let written = output.withUnsafeMutableBytes { destination in
            let body = message.withUnsafeBytes { encoder.encode($0, into: destination) }
            return body + encoder.finish(into: UnsafeMutableRawBufferPointer(rebasing: destination[body...]))
        }
        output.removeLast(output.count - written)
        return output
    }

    /// The most octets `encode` can write for `count` input octets: LF becomes CRLF and "." at a line start
    /// becomes "..", so at most 2 per octet, plus a CR held back from an earlier chunk.
    public static func worstCaseSize(of count: Int) -> Int { 2 * count + 4 }

    /// Octets `finish` may write.
    public static let finishSize = 8

    /// Encodes `bytes` into `destination`, which must hold `worstCaseSize(of: bytes.count)` octets; returns how many
    /// it wrote. Input after the last line TOP allows is ignored.
    public mutating func encode(_ bytes: UnsafeRawBufferPointer, into destination: UnsafeMutableRawBufferPointer)
        -> Int
    {
        precondition(destination.count >= Self.worstCaseSize(of: bytes.count), "destination too small")
        var writer = RawWriter(destination)
        encode(bytes, into: &writer)
        return writer.count
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
            guard let lineFeed = ByteSearch.firstIndex(of: ASCII.lineFeed, in: base, from: offset, to: end) else {
                // The line goes on in the next chunk; hold back a trailing CR until we see what follows.
                var contentEnd = end
                if bytes[end - 1] == ASCII.carriageReturn {
                    pendingCarriageReturn = true
                    contentEnd -= 1
                }
                writeContent(base + offset, count: contentEnd - offset, into: &out)
                return
            }
            var contentEnd = lineFeed
            if lineFeed > offset && bytes[lineFeed - 1] == ASCII.carriageReturn { contentEnd -= 1 }
            writeContent(base + offset, count: contentEnd - offset, into: &out)
            endLine(into: &out)
            offset = lineFeed + 1
        }
    }

    /// Ends an unterminated last line and writes the terminator into `destination` (`finishSize` octets);
    /// returns how many it wrote.
    public mutating func finish(into destination: UnsafeMutableRawBufferPointer) -> Int {
        precondition(destination.count >= Self.finishSize, "destination too small")
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
