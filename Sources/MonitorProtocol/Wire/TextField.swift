/// The kinds of text the protocol carries, each with its length limit and the bytes it may hold.
/// Decoders and encoders check text through here, so both sides apply the same rules.
public enum TextField: Sendable, Hashable, CaseIterable {
    /// A user or admin name: 1–255 bytes of UTF-8, no control characters, no space, no ':'.
    case name
    /// A password: 1–1,024 bytes of UTF-8, no NUL, CR or LF.
    case password
    /// A maildir path: 1–4,096 bytes of UTF-8, no NUL.
    case path
    /// A session id, peer address, version string or list cursor: 0–255 bytes of UTF-8, no control characters.
    case shortText
    /// A v2 error message: 0–1,024 bytes of UTF-8, no control characters.
    case errorMessage

    /// The allowed byte counts.
    public var lengths: ClosedRange<Int> {
        switch self {
        case .name: 1...MonitorLimits.maxNameLength
        case .password: 1...MonitorLimits.maxPasswordLength
        case .path: 1...MonitorLimits.maxPathLength
        case .shortText: 0...MonitorLimits.maxShortTextLength
        case .errorMessage: 0...MonitorLimits.maxErrorMessageLength
        }
    }

    /// The text, if the bytes follow this field's rules.
    public func text(from bytes: [UInt8]) -> String? {
        guard lengths.contains(bytes.count), bytes.allSatisfy(allows) else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }

    /// The UTF-8 bytes, if the text follows this field's rules.
    public func bytes(of text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        guard lengths.contains(bytes.count), bytes.allSatisfy(allows) else { return nil }
        return bytes
    }

    /// True when the text follows this field's rules.
    public func accepts(_ text: String) -> Bool {
        bytes(of: text) != nil
    }

    /// A phrase for error messages, e.g. "a name (1–255 bytes, no spaces, controls or ':')".
    public var rule: String {
        switch self {
        case .name: "1 to 255 bytes of UTF-8 without spaces, control characters or ':'"
        case .password: "1 to 1024 bytes of UTF-8 without NUL, CR or LF"
        case .path: "1 to 4096 bytes of UTF-8 without NUL"
        case .shortText: "at most 255 bytes of UTF-8 without control characters"
        case .errorMessage: "at most 1024 bytes of UTF-8 without control characters"
        }
    }

    private func allows(_ byte: UInt8) -> Bool {
        switch self {
        case .name: byte > 0x20 && byte != 0x7f && byte != UInt8(ascii: ":")
        case .password: byte != 0x00 && byte != 0x0a && byte != 0x0d
        case .path: byte != 0x00
        case .shortText, .errorMessage: byte >= 0x20 && byte != 0x7f
        }
    }
}
