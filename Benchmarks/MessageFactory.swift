/// Builds RFC 5322 messages with LF line ends, as a delivery agent leaves them in a maildir. Some body lines start
/// with "." so servers must dot-stuff, and a few are long, so RETR exercises every path of a server's encoder.
struct MessageFactory {
    private var random: SplitMix64
    private static let words: [String] = [
        "the", "mail", "server", "report", "quarterly", "numbers", "meeting", "attached", "please", "review",
        "before", "friday", "thanks", "regards", "budget", "project", "status", "update", "schedule", "delivery",
        "invoice", "customer", "support", "ticket", "resolved", "pending", "approval", "draft", "final", "notes",
    ]
    private static let dotLines: [String] = [".", "..", ". indented by a dot", "...and so on", ".signature"]

    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// A message of roughly `targetBytes` octets (never less than its headers), numbered `serial` for its IDs.
    mutating func message(serial: Int, recipient: String, targetBytes: Int) -> [UInt8] {
        var text = headers(serial: serial, recipient: recipient)
        text.reserveCapacity(targetBytes + 200)
        var lineNumber = 0
        while text.utf8.count < targetBytes {
            lineNumber += 1
            if lineNumber % 17 == 5 {
                text += Self.dotLines[Int(random.next() % UInt64(Self.dotLines.count))]
            } else if lineNumber % 97 == 50 {
                text += sentence(words: 150)  // a long line, over 998 octets in total with its neighbours
            } else if lineNumber % 11 == 0 {
                text += ""  // paragraph break
            } else {
                text += sentence(words: 8 + Int(random.next() % 6))
            }
            text += "\n"
        }
        return Array(text.utf8)
    }

    private mutating func headers(serial: Int, recipient: String) -> String {
        let day = 1 + serial % 28
        let second = serial % 60
        return """
            Return-Path: <sender\(serial % 97)@example.org>
            Received: from mx.example.org (mx.example.org [192.0.2.25])
            \tby mail.example.net with ESMTP id \(serial)
            \tfor <\(recipient)@example.net>; Mon, \(day) Jan 2024 10:00:\(second < 10 ? "0" : "")\(second) +0000
            Date: Mon, \(day) Jan 2024 10:00:\(second < 10 ? "0" : "")\(second) +0000
            From: Sender \(serial % 97) <sender\(serial % 97)@example.org>
            To: <\(recipient)@example.net>
            Subject: \(sentence(words: 5))
            Message-ID: <\(serial).\(random.next() % 1_000_000)@example.org>
            MIME-Version: 1.0
            Content-Type: text/plain; charset=us-ascii

            """ + "\n"
    }

    private mutating func sentence(words count: Int) -> String {
        var parts: [String] = []
        parts.reserveCapacity(count)
        for _ in 0..<count { parts.append(Self.words[Int(random.next() % UInt64(Self.words.count))]) }
        return parts.joined(separator: " ")
    }
}
