/// Describes where two byte strings part, so a failed comparison of a large message prints a line, not the
/// whole message.
enum ByteDifference {
    /// nil when equal; otherwise the sizes, the first differing offset and a little text around it.
    static func between(_ actual: [UInt8]?, _ expected: [UInt8]) -> String? {
        guard let actual else { return "no bytes (expected \(expected.count))" }
        guard actual != expected else { return nil }
        let common = min(actual.count, expected.count)
        let offset = (0..<common).first { actual[$0] != expected[$0] } ?? common
        let start = max(0, offset - 20)
        func excerpt(_ bytes: [UInt8]) -> String {
            String(decoding: bytes[min(start, bytes.count)..<min(offset + 20, bytes.count)], as: UTF8.self)
                .debugDescription
        }
        return "\(actual.count) octets, expected \(expected.count); first difference at \(offset): "
            + "\(excerpt(actual)) vs \(excerpt(expected))"
    }
}
