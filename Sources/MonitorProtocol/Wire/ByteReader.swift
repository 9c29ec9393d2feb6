/// Reads big-endian fields from bytes. Every read checks the remaining length first, so no input can trap;
/// a short read returns nil and leaves the position unchanged.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var position: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.position = 0
    }

    var remaining: Int { bytes.count - position }
    var isAtEnd: Bool { position >= bytes.count }

    mutating func readUInt8() -> UInt8? {
        guard remaining >= 1 else { return nil }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func readUInt16() -> UInt16? {
        readInteger(byteCount: 2).map { UInt16(truncatingIfNeeded: $0) }
    }

    mutating func readUInt32() -> UInt32? {
        readInteger(byteCount: 4).map { UInt32(truncatingIfNeeded: $0) }
    }

    mutating func readUInt64() -> UInt64? {
        readInteger(byteCount: 8)
    }

    mutating func readInt64() -> Int64? {
        readUInt64().map { Int64(bitPattern: $0) }
    }

    mutating func readDouble() -> Double? {
        readUInt64().map { Double(bitPattern: $0) }
    }

    mutating func readBytes(_ count: Int) -> [UInt8]? {
        guard count >= 0, remaining >= count else { return nil }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    mutating func readRest() -> [UInt8] {
        readBytes(remaining) ?? []
    }

    /// A field of LEN(1) then LEN bytes.
    mutating func readShortField() -> [UInt8]? {
        let start = position
        guard let length = readUInt8(), let value = readBytes(Int(length)) else {
            position = start
            return nil
        }
        return value
    }

    /// A field of LEN(2, big-endian) then LEN bytes.
    mutating func readLongField() -> [UInt8]? {
        let start = position
        guard let length = readUInt16(), let value = readBytes(Int(length)) else {
            position = start
            return nil
        }
        return value
    }

    private mutating func readInteger(byteCount: Int) -> UInt64? {
        guard remaining >= byteCount else { return nil }
        var value: UInt64 = 0
        for offset in 0..<byteCount {
            value = (value << 8) | UInt64(bytes[position + offset])
        }
        position += byteCount
        return value
    }
}
