/// Bytes received but not yet framed. Consumed bytes are dropped in bulk, so feeding byte by byte stays linear.
struct FrameBuffer: Sendable {
    private var storage: [UInt8] = []
    private var start = 0

    var count: Int { storage.count - start }

    mutating func append(_ bytes: some Sequence<UInt8>) {
        storage.append(contentsOf: bytes)
    }

    /// The byte at `offset` from the unread start; the caller checks `offset < count`.
    subscript(offset: Int) -> UInt8 { storage[start + offset] }

    /// A big-endian unsigned integer of `size` bytes at `offset`; the caller checks the bytes are there.
    func integer(at offset: Int, size: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<size {
            value = (value << 8) | UInt64(self[offset + index])
        }
        return value
    }

    func bytes(at offset: Int, count length: Int) -> [UInt8] {
        Array(storage[(start + offset)..<(start + offset + length)])
    }

    mutating func consume(_ length: Int) {
        start += min(length, count)
        if start == storage.count {
            storage.removeAll(keepingCapacity: true)
            start = 0
        } else if start >= 4_096 && start * 2 >= storage.count {
            storage.removeFirst(start)
            start = 0
        }
    }
}
