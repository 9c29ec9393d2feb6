/// The POP3 wire forms of message bytes: what RETR must send, and the forms clients deliver.
enum WireText {
    /// The octets RETR sends before byte-stuffing: every line end becomes CRLF and a last line without one
    /// gets CRLF. Its count is the size STAT and LIST report.
    static func wireForm(_ file: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(file.count + file.count / 16 + 2)
        var lineStart = true
        for (index, byte) in file.enumerated() {
            if byte == 10 {
                if index == 0 || file[index - 1] != 13 { out.append(13) }
                out.append(10)
                lineStart = true
            } else {
                out.append(byte)
                lineStart = false
            }
        }
        if !lineStart {
            if out.last == 13 { out.append(10) } else { out += [13, 10] }
        }
        return out
    }

    /// The wire form with each line that begins with `.` given one more `.`.
    static func stuffed(_ wire: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var lineStart = true
        for byte in wire {
            if lineStart, byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            lineStart = byte == 10
        }
        return out
    }

    /// The first `count` body lines of a message plus its headers and the blank line: what `TOP n count` sends.
    static func top(_ file: [UInt8], bodyLines count: Int) -> [UInt8] {
        let wire = wireForm(file)
        var out: [UInt8] = []
        var inBody = false
        var bodyLinesSent = 0
        var line: [UInt8] = []
        for byte in wire {
            line.append(byte)
            guard byte == 10 else { continue }
            if inBody {
                if bodyLinesSent == count { break }
                bodyLinesSent += 1
            } else if line == [13, 10] {
                inBody = true
            }
            out += line
            line = []
        }
        return out
    }

    /// What a client that stores mail with LF line ends delivers: CRLF → LF, and a final LF.
    static func normalised(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        for (index, byte) in bytes.enumerated() {
            if byte == 13, index + 1 < bytes.count, bytes[index + 1] == 10 { continue }
            out.append(byte)
        }
        if let last = out.last, last != 10 { out.append(10) }
        return out
    }

    /// Splits CRLF-separated text into lines (without their ends).
    static func lines(_ bytes: [UInt8]) -> [String] {
        var lines: [String] = []
        var current: [UInt8] = []
        for byte in bytes {
            if byte == 10 {
                if current.last == 13 { current.removeLast() }
                lines.append(String(decoding: current, as: UTF8.self))
                current = []
            } else {
                current.append(byte)
            }
        }
        if !current.isEmpty { lines.append(String(decoding: current, as: UTF8.self)) }
        return lines
    }
}
