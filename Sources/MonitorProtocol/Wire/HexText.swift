/// Hex spelling of bytes, for messages and examples.
public enum HexText {
    private static let digits: [Character] = Array("0123456789abcdef")

    /// Two lowercase hex digits.
    public static func byte(_ value: UInt8) -> String {
        String([digits[Int(value >> 4)], digits[Int(value & 0x0f)]])
    }

    /// Bytes as space-separated hex pairs, e.g. "01 31 32".
    public static func bytes(_ values: some Sequence<UInt8>) -> String {
        values.map(byte).joined(separator: " ")
    }
}
