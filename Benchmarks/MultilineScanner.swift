import Glibc

/// Checks the body of a multi-line reply as it arrives: CRLF on every line, dot-stuffing, the terminator; counts
/// the octets of the message after un-stuffing (what LIST promises). Works on raw bytes with `memchr`.
struct MultilineScanner {
    /// Octets of the un-stuffed body, CRLF included.
    private(set) var octets = 0
    private(set) var lines = 0
    private(set) var bareLineFeeds = 0
    private(set) var unstuffedDots = 0
    private(set) var finished = false
    /// The un-stuffed lines, kept only when asked (LIST, UIDL).
    private(set) var collected: [[UInt8]] = []
    private let collect: Bool

    init(collect: Bool) { self.collect = collect }

    /// Scans whole lines of `bytes`; returns how many bytes it consumed (a partial last line is left).
    mutating func scan(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard let base = bytes.baseAddress, !finished else { return 0 }
        let start = base.assumingMemoryBound(to: UInt8.self)
        var position = 0
        while position < bytes.count {
            guard let found = memchr(start + position, 0x0A, bytes.count - position) else { break }
            let lineFeed = UnsafeRawPointer(found) - base
            var end = lineFeed  // exclusive end of the line's content
            if end > position && start[end - 1] == 0x0D {
                end -= 1
            } else {
                bareLineFeeds += 1
            }
            var contentStart = position
            if end > position && start[position] == 0x2E {
                if end - position == 1 {
                    finished = true
                    return lineFeed + 1
                }
                if start[position + 1] == 0x2E { contentStart += 1 } else { unstuffedDots += 1 }
            }
            octets += end - contentStart + 2
            lines += 1
            if collect {
                collected.append(Array(UnsafeBufferPointer(start: start + contentStart, count: end - contentStart)))
            }
            position = lineFeed + 1
        }
        return position
    }
}
