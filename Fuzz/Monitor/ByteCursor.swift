/// Pulls values out of fuzz bytes for building samples; reads past the end give zeros.
struct ByteCursor {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    mutating func byte() -> UInt8 {
        defer { position += 1 }
        return position < bytes.count ? bytes[position] : 0
    }

    mutating func integer(size: Int) -> UInt64 {
        (0..<size).reduce(0) { value, _ in value << 8 | UInt64(byte()) }
    }

    mutating func int64() -> Int64 { Int64(bitPattern: integer(size: 8)) }

    /// A finite double, as a server would report.
    mutating func double() -> Double { Double(Int32(truncatingIfNeeded: integer(size: 4))) / 4 }

    /// Text of up to 255 raw bytes, invalid UTF-8 replaced, so some texts break their field's rule.
    mutating func text() -> String {
        let length = Int(byte())
        return String(decoding: (0..<length).map { _ in byte() }, as: UTF8.self)
    }
}
