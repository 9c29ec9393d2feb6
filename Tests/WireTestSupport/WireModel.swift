public import POP3Core

/// A deliberately naive model of the POP3 wire format (whole message at once), to check the streaming code.
public enum WireModel {
    public static let lineFeed = UInt8(ascii: "\n")
    public static let carriageReturn = UInt8(ascii: "\r")

    /// The file's lines without their line ends; a CR right before LF belongs to the line end.
    public static func lines(_ bytes: [UInt8]) -> [[UInt8]] {
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        for byte in bytes {
            if byte == lineFeed {
                if current.last == carriageReturn { current.removeLast() }
                lines.append(current)
                current = []
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// The lines TOP sends: the header through the first blank line, then `bodyLines` more.
    public static func selectedLines(_ bytes: [UInt8], bodyLines: Int?) -> [[UInt8]] {
        let all = lines(bytes)
        guard let bodyLines else { return all }
        guard let blank = all.firstIndex(where: \.isEmpty) else { return all }
        return Array(all.prefix(blank + 1 + bodyLines))
    }

    public static func wireSize(_ bytes: [UInt8]) -> Int {
        lines(bytes).reduce(0) { $0 + $1.count + 2 }
    }

    public static func encoded(_ bytes: [UInt8], bodyLines: Int? = nil) -> [UInt8] {
        var out: [UInt8] = []
        for line in selectedLines(bytes, bodyLines: bodyLines) {
            if line.first == UInt8(ascii: ".") { out.append(UInt8(ascii: ".")) }
            out += line + [carriageReturn, lineFeed]
        }
        return out + Array(".\r\n".utf8)
    }
}

/// Runs the real encoder over `bytes` cut into chunks of `chunkSize` (or of the given sizes).
public func encodeInChunks(_ bytes: [UInt8], chunkSizes: [Int], bodyLines: Int? = nil) -> (
    output: [UInt8], complete: Bool
) {
    var encoder = WireEncoder(bodyLines: bodyLines)
    var out: [UInt8] = []
    var offset = 0
    var sizeIndex = 0
    while offset < bytes.count && !encoder.isComplete {
        let size = max(1, chunkSizes[sizeIndex % chunkSizes.count])
        sizeIndex += 1
        out += encoder.encoded(bytes[offset..<min(bytes.count, offset + size)])
        offset += size
    }
    let complete = encoder.isComplete
    out += encoder.finished()
    return (out, complete)
}

extension WireEncoder {
    /// Encodes `bytes` and returns the octets written (the raw-memory API, for tests).
    public mutating func encoded(_ bytes: some Collection<UInt8>) -> [UInt8] {
        let input = Array(bytes)
        var output = [UInt8](repeating: 0, count: WireEncoder.worstCaseSize(of: input.count))
        let written = input.withUnsafeBytes { source in
            output.withUnsafeMutableBytes { encode(source, into: $0) }
        }
        return Array(output.prefix(written))
    }

    /// The octets `finish` writes.
    public mutating func finished() -> [UInt8] {
        var output = [UInt8](repeating: 0, count: WireEncoder.finishSize)
        let written = output.withUnsafeMutableBytes { finish(into: $0) }
        return Array(output.prefix(written))
    }
}

public func encode(_ text: String, chunkSize: Int = 4096, bodyLines: Int? = nil) -> String {
    let output = encodeInChunks(Array(text.utf8), chunkSizes: [chunkSize], bodyLines: bodyLines).output
    return String(decoding: output, as: UTF8.self)
}

public func countWireSize(_ bytes: [UInt8], chunkSize: Int) -> Int {
    var counter = WireSizeCounter()
    var offset = 0
    while offset < bytes.count {
        let end = min(bytes.count, offset + chunkSize)
        bytes[offset..<end].withUnsafeBytes { counter.count($0) }
        offset = end
    }
    return counter.finish()
}

/// A small deterministic generator so a failing random case can be replayed.
public struct MaildirTestRandom: RandomNumberGenerator {
    public var state: UInt64
    public init(state: UInt64) { self.state = state }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
