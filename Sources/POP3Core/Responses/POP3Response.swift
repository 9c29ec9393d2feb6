/// One response to the client, encoded to wire bytes in one place.
public enum POP3Response: Equatable, Sendable {
    /// `+OK text`
    case ok(String)
    /// `-ERR [CODE] text`
    case err(POP3ResponseCode?, String)
    /// `+OK text`, then each line byte-stuffed, then `.`
    case multiline(String, [String])
    /// `+ text`, a SASL challenge (RFC 5034)
    case continuation(String)

    private static let crlf: [UInt8] = [13, 10]

    /// The wire bytes: CRLF line ends, every line capped at 512 octets, `.`-stuffing in multi-line bodies.
    public func encoded() -> [UInt8] {
        switch self {
        case .ok(let text):
            return Self.line(prefix: "+OK", text: text)
        case .err(let code, let text):
            return Self.line(prefix: code.map { "-ERR [\($0.rawValue)]" } ?? "-ERR", text: text)
        case .continuation(let text):
            // "+ " even for an empty challenge: RFC 5034 requires the space.
            return Self.capped(Array("+ ".utf8) + Self.sanitized(text)) + Self.crlf
        case .multiline(let text, let lines):
            // The body goes through the message encoder, so dot-stuffing has one implementation; a line that
            // will be stuffed keeps one octet free for its extra dot.
            var body: [UInt8] = []
            for line in lines {
                let content = Self.sanitized(line)
                body += Self.capped(content, reserving: content.first == UInt8(ascii: ".") ? 1 : 0) + Self.crlf
            }
            return Self.line(prefix: "+OK", text: text) + WireEncoder.encodedMessage(body)
        }
    }

    /// RETR's and TOP's first line.
    public static func messageFollows(size: Int) -> POP3Response { .ok("\(size) octets") }

    private static func line(prefix: String, text: String) -> [UInt8] {
        var bytes = Array(prefix.utf8)
        if !text.isEmpty { bytes += [UInt8(ascii: " ")] + sanitized(text) }
        return capped(bytes) + crlf
    }

    /// Control characters become spaces, so no text can end a line or inject a response.
    private static func sanitized(_ text: String) -> [UInt8] {
        text.utf8.map { $0 < 0x20 || $0 == 0x7F ? UInt8(ascii: " ") : $0 }
    }

    /// Cuts a line so it fits 512 octets with its CRLF (and `reserving` more), never inside a UTF-8 sequence.
    private static func capped(_ bytes: [UInt8], reserving: Int = 0) -> [UInt8] {
        let limit = POP3Limits.maxResponseLineOctets - crlf.count - reserving
        guard bytes.count > limit else { return bytes }
        var end = limit
        while end > 0, bytes[end] & 0xC0 == 0x80 { end -= 1 }
        return Array(bytes[..<end])
    }
}
