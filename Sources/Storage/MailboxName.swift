/// A user name that is safe to use as one path component below the maildir root.
public struct MailboxName: Hashable, Sendable, CustomStringConvertible {
    /// Longest accepted name, in UTF-8 octets.
    public static let maximumLength = 64

    public let value: String

    /// Returns nil unless `raw` is 1...64 UTF-8 octets, contains no "/", NUL or control/format character,
    /// is not "." or "..", and does not start with "." (dot names are reserved for maildir internals).
    public init?(_ raw: String) {
        let octets = raw.utf8.count
        guard (1...Self.maximumLength).contains(octets), raw.utf8.first != UInt8(ascii: ".") else { return nil }
        for scalar in raw.unicodeScalars {
            if scalar == "/" || Self.isUnprintable(scalar) { return nil }
        }
        value = raw
    }

    public var description: String { value }

    private static func isUnprintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned:
            return true
        default:
            return false
        }
    }
}
