/// Finds a byte in raw memory, 32 octets at a time (what `memchr` does, with the standard library's SIMD types,
/// so the wire code needs no C library).
enum ByteSearch {
    /// The offset of the first `byte` in `base[from..<end]`, or nil.
    @inline(__always)
    static func firstIndex(of byte: UInt8, in base: UnsafeRawPointer, from start: Int, to end: Int) -> Int? {
        var offset = start
        let needle = SIMD32<UInt8>(repeating: byte)
        while end - offset >= 32 {
            let block = base.loadUnaligned(fromByteOffset: offset, as: SIMD32<UInt8>.self)
            if any(block .== needle) {
                // Narrow to the first 8-octet group with a hit; the octet loop below then looks at few octets.
                var half = block.lowHalf
                if !any(half .== needle.lowHalf) {
                    offset += 16
                    half = block.highHalf
                }
                if !any(half.lowHalf .== needle.lowHalf.lowHalf) { offset += 8 }
                break
            }
            offset += 32
        }
        while offset < end {
            if base.load(fromByteOffset: offset, as: UInt8.self) == byte { return offset }
            offset += 1
        }
        return nil
    }
}
