/// Messages with the shapes that break naive POP3 code: dot lines, bare LF, no final line end, 8-bit text,
/// and one large enough to be streamed in many chunks.
enum SampleMessages {
    static let plainCRLF = bytes(
        "From: alice@example.org\r\nTo: bob@example.org\r\nSubject: plain\r\n\r\nHello Bob.\r\nSecond line.\r\n")

    /// Lines that begin with `.`, including a line that is only `.` and one that is `..`:
    /// without byte-stuffing the message would end early.
    static let dotLines = bytes(
        "From: dots@example.org\r\nSubject: dots\r\n\r\n.leading dot\r\n..two dots\r\n.\r\nafter lone dot\r\n..\r\n"
            + ". space\r\nend\r\n")

    /// Bare LF line ends, as most delivery agents write them.
    static let bareLF = bytes(
        "From: lf@example.org\nSubject: bare LF\n\nline one\nline two\n.dot after LF\n\nlast\n")

    /// No line end after the last line: the server must send one, and count it.
    static let noFinalNewline = bytes("From: nonl@example.org\r\nSubject: no final newline\r\n\r\nbody without end")

    /// UTF-8 and Latin-1 octets in headers and body.
    static let eightBit: [UInt8] =
        bytes("From: 8bit@example.org\nSubject: =?UTF-8?Q?gr=C3=BC=C3=9Fe?=\nContent-Type: text/plain\n\n")
        + bytes("Grüße, ça va? 日本語\n") + [0xE9, 0xE8, 0x20, 0xFF, 0x0A]

    /// About 300 KB over thousands of lines, some starting with dots, mixed line ends.
    static let large: [UInt8] = {
        var text = "From: big@example.org\nSubject: large\n\n"
        for number in 0..<6000 {
            let lead = number % 7 == 0 ? "." : ""
            let end = number % 3 == 0 ? "\r\n" : "\n"
            text += "\(lead)line \(number) " + String(repeating: "x", count: 40) + end
        }
        return bytes(text)
    }()

    /// Headers only, no body at all.
    static let headersOnly = bytes("From: short@example.org\r\nSubject: headers only\r\n")

    /// The set the client tests download.
    static let mixed: [[UInt8]] = [plainCRLF, dotLines, bareLF, noFinalNewline, eightBit, large]

    static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// A small distinct message for load tests.
    static func numbered(_ number: Int) -> [UInt8] {
        bytes("From: n\(number)@example.org\r\nSubject: message \(number)\r\n\r\nBody of message \(number).\r\n")
    }
}
