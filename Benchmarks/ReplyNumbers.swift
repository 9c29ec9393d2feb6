/// The numbers in "+OK 2 4096" (STAT) or "1 4096" (a LIST line).
enum ReplyNumbers {
    /// The decimal numbers of `line`, separated by spaces; a "+OK" prefix is skipped.
    static func parse(_ line: [UInt8]) -> [Int] {
        var numbers: [Int] = []
        var current: Int?
        for byte in line {
            if byte >= 0x30 && byte <= 0x39 {
                current = (current ?? 0) &* 10 &+ Int(byte - 0x30)
            } else {
                if let value = current { numbers.append(value) }
                current = nil
                if byte != 0x20 && !numbers.isEmpty { break }  // stop at the first word after the numbers
            }
        }
        if let value = current { numbers.append(value) }
        return numbers
    }
}
