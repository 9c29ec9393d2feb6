/// Appends big-endian fields to a byte array.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    var count: Int { bytes.count }

    mutating func write(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func write(_ value: UInt16) {
        writeInteger(UInt64(value), byteCount: 2)
    }

    mutating func write(_ value: UInt32) {
        writeInteger(UInt64(value), byteCount: 4)
    }

    mutating func write(_ value: UInt64) {
        writeInteger(value, byteCount: 8)
    }

    mutating func write(_ value: Int64) {
        writeInteger(UInt64(bitPattern: value), byteCount: 8)
    }

    mutating func write(_ value: Double) {
        writeInteger(value.bitPattern, byteCount: 8)
    }

    mutating func write(bytes value: some Sequence<UInt8>) {
        bytes.append(contentsOf: value)
    }

    /// LEN(1) then the bytes; the caller has checked the length fits.
    mutating func writeShortField(_ value: [UInt8]) {
        write(UInt8(truncatingIfNeeded: value.count))
        write(bytes: value)
    }

    /// LEN(2) then the bytes; the caller has checked the length fits.
    mutating func writeLongField(_ value: [UInt8]) {
        write(UInt16(truncatingIfNeeded: value.count))
        write(bytes: value)
    }

    private mutating func writeInteger(_ value: UInt64, byteCount: Int) {
        for shift in stride(from: (byteCount - 1) * 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}
