@testable import POP3Core

/// What every encoded response must look like: CRLF line ends only, no control bytes inside a line, lines within
/// 512 octets and valid UTF-8, the right first-line prefix, and a multi-line body that only `.` can end.
enum ResponseInvariants {
    private static let cr: UInt8 = 13
    private static let lf: UInt8 = 10
    private static let dot = UInt8(ascii: ".")

    static func check(_ response: POP3Response) {
        let lines = wireLines(response.encoded(), of: response)
        for line in lines {
            invariant(line.count + 2 <= POP3Limits.maxResponseLineOctets, "a \(line.count + 2)-octet line: \(response)")
            invariant(String(validating: line, as: UTF8.self) != nil, "a line that is not UTF-8: \(response)")
            invariant(!line.contains { $0 < 0x20 || $0 == 0x7F }, "a control byte in a line: \(response)")
        }
        switch response {
        case .ok(let text):
            invariant(lines.count == 1, "+OK on \(lines.count) lines")
            checkFirstLine(lines[0], prefix: "+OK", text: text)
        case .err(let code, let text):
            invariant(lines.count == 1, "-ERR on \(lines.count) lines")
            checkFirstLine(lines[0], prefix: code.map { "-ERR [\($0.rawValue)]" } ?? "-ERR", text: text)
        case .continuation:
            invariant(lines.count == 1 && lines[0].starts(with: Array("+ ".utf8)), "a bad continuation: \(response)")
        case .multiline(let text, let content):
            invariant(lines.count == content.count + 2, "\(lines.count) lines for \(content.count) content lines")
            checkFirstLine(lines[0], prefix: "+OK", text: text)
            invariant(lines.last == [dot], "a multi-line response not ended by a lone dot")
            for (line, original) in zip(lines.dropFirst().dropLast(), content) {
                invariant(line != [dot], "a content line ends the response early: \(response)")
                if original.utf8.first == dot {
                    invariant(line.starts(with: [dot, dot]), "a dot line not stuffed: \(original)")
                }
            }
        }
    }

    /// The lines of `bytes`, which must be a sequence of CRLF-terminated lines.
    private static func wireLines(_ bytes: [UInt8], of response: POP3Response) -> [[UInt8]] {
        invariant(bytes.count >= 2 && bytes.suffix(2) == [cr, lf], "not ended by CRLF: \(response)")
        var lines: [[UInt8]] = []
        var current: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == cr {
                invariant(index + 1 < bytes.count && bytes[index + 1] == lf, "a bare CR: \(response)")
                lines.append(current)
                current = []
                index += 2
                continue
            }
            invariant(byte != lf, "a bare LF: \(response)")
            current.append(byte)
            index += 1
        }
        return lines
    }

    /// A short clean text goes out unchanged after the prefix; any text leaves the prefix intact.
    private static func checkFirstLine(_ line: [UInt8], prefix: String, text: String) {
        invariant(line.starts(with: Array(prefix.utf8)), "first line lacks \(prefix)")
        let clean = !text.utf8.contains { $0 < 0x20 || $0 == 0x7F }
        if clean, prefix.utf8.count + 1 + text.utf8.count + 2 <= POP3Limits.maxResponseLineOctets {
            let expected = Array(prefix.utf8) + (text.isEmpty ? [] : [UInt8(ascii: " ")] + Array(text.utf8))
            invariant(line == expected, "first line altered: \(text)")
        }
    }
}
