@testable import POP3Core

/// Properties of `POP3CommandParser.parse` on any line: keywords are case-insensitive, message numbers start at 1,
/// user names follow their rule, and PASS keeps the rest of the line byte for byte.
enum ParserInvariants {
    static func check(_ line: [UInt8]) {
        let parsed = POP3CommandParser.parse(line)
        invariant(POP3CommandParser.parse(flippingKeywordCase(line)) == parsed, "keyword case changes the parse")
        guard case .success(let command) = parsed else { return }
        switch command {
        case .retr(let number), .dele(let number), .list(let number?), .uidl(let number?):
            invariant(number >= 1, "message number \(number)")
        case .top(let number, let lines):
            invariant(number >= 1 && lines >= 0, "TOP \(number) \(lines)")
        case .user(let name):
            invariant(POP3CommandParser.userName(Array(name.utf8)) == name, "USER accepted a bad name")
        case .pass(let password):
            invariant(Array(line.dropFirst(5)) == password, "PASS altered the password")
        case .auth(let mechanism?, _):
            invariant(mechanism == mechanism.uppercased(), "AUTH mechanism not upper-cased")
        default:
            break
        }
    }

    /// The line with every ASCII letter before the first space switched between upper and lower case.
    private static func flippingKeywordCase(_ line: [UInt8]) -> [UInt8] {
        var flipped = line
        for index in flipped.indices {
            let byte = flipped[index]
            if byte == UInt8(ascii: " ") { break }
            if (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
                || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            {
                flipped[index] = byte ^ 0x20
            }
        }
        return flipped
    }

    /// Responses built from the line's text keep every encoding invariant, whatever the bytes.
    static func checkEncoding(of line: [UInt8]) {
        let text = String(decoding: line, as: UTF8.self)
        let parts = line.split(separator: UInt8(ascii: " ")).map { String(decoding: $0, as: UTF8.self) }
        ResponseInvariants.check(.ok(text))
        ResponseInvariants.check(.err(.sysTemp, text))
        ResponseInvariants.check(.err(nil, text))
        ResponseInvariants.check(.continuation(text))
        ResponseInvariants.check(.multiline(text, parts))
    }
}
