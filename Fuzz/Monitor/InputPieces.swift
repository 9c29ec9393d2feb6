/// Cuts an input into 1 to 3 pieces at points derived from its bytes, so the input stays the raw wire bytes.
enum InputPieces {
    static func split(_ input: [UInt8]) -> [ArraySlice<UInt8>] {
        guard !input.isEmpty else { return [input[...]] }
        // FNV-1a over the bytes picks the cut points; the length picks how many.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in input { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        let count = UInt64(input.count + 1)
        var cuts = [Int(hash % count), Int((hash >> 32) % count)].prefix(input.count % 3).sorted()
        cuts = [0] + cuts + [input.count]
        return zip(cuts, cuts.dropFirst()).map { input[$0..<$1] }
    }
}
