/// Compares what a mail client delivered with what the maildir held, ignoring line-end style.
enum ClientAssertions {
    /// The messages as a client that stores LF line ends writes them, sorted so delivery order does not matter.
    static func normalisedSet(_ messages: [[UInt8]]) -> [[UInt8]] {
        messages.map(WireText.normalised).sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// True when `delivered` holds the same messages as `expected`, in any order. A Bool, so a failure
    /// prints the short summary rather than every octet of a 300 KB message.
    static func sameMessages(_ delivered: [[UInt8]], _ expected: [[UInt8]]) -> Bool {
        normalisedSet(delivered) == normalisedSet(expected)
    }

    /// A short description of each message, for failure output that does not print 300 KB.
    static func summary(_ messages: [[UInt8]]) -> String {
        messages.map { message in
            let head = String(decoding: message.prefix(60), as: UTF8.self)
            return "\(message.count) octets: \(head.debugDescription)"
        }.joined(separator: "\n")
    }
}
