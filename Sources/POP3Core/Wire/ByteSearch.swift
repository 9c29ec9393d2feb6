/// Finds a byte in raw memory, eight octets at a time with integer arithmetic (what `memchr` does, without the C
/// library, so the wire code needs nothing but the standard library). Plain 64-bit operations compile to the same
/// few instructions in every build; the standard library's generic SIMD reductions did not (in the server's
/// release build they stayed function calls, and the search cost twice `memchr`'s).
enum ByteSearch {
    private static let ones: UInt64 = 0x0101_0101_0101_0101
    private static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The offset of the first `byte` in `base[start..<end]`, or nil.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in base: UnsafeRawPointer, from start: Int, to end: Int) -> Int? {
        var offset = start
        let pattern = UInt64(byte) &* ones
        while end - offset >= 8 {
            // Octets equal to `byte` become zero; the classic zero-octet test marks them in their high bit. A
            // borrow can only mark octets above the first real zero, so the lowest mark is exact.
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) ^ pattern
            let marks = (word &- ones) & ~word & highBits
            if marks != 0 { return offset + marks.trailingZeroBitCount >> 3 }
            offset += 8
        }
        while offset < end {
            if base.load(fromByteOffset: offset, as: UInt8.self) == byte { return offset }
            offset += 1
        }
        return nil
    }
}
