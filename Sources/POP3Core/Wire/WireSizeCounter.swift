/// Counts, chunk by chunk, the octets `WireEncoder` emits for a file before byte-stuffing and without the
/// terminator: every LF becomes CRLF (a CR right before it is absorbed), and a missing final line end adds 2.
public struct WireSizeCounter: Sendable {
    private var fileBytes = 0
    private var lineFeeds = 0
    private var carriageReturnLineFeeds = 0
    /// The last byte of the previous chunk, to see a CRLF split across chunks.
    private var lastByte: UInt8?

    public init() {}

    public mutating func count(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        fileBytes += bytes.count
        var offset = 0
        while offset < bytes.count,
            let index = ByteSearch.firstIndex(of: ASCII.lineFeed, in: base, from: offset, to: bytes.count)
        {
            lineFeeds += 1
            let previous = index > 0 ? bytes[index - 1] : lastByte
            if previous == ASCII.carriageReturn { carriageReturnLineFeeds += 1 }
            offset = index + 1
        }
        lastByte = bytes[bytes.count - 1]
    }

    public func finish() -> Int {
        let missingLineEnd = lastByte.map { $0 != ASCII.lineFeed } ?? false
        return fileBytes + lineFeeds - carriageReturnLineFeeds + (missingLineEnd ? 2 : 0)
    }
}
