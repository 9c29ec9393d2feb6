/// Parses one POP3 command line (without its line end) into a `POP3Command`.
public enum POP3CommandParser {
    private static let space = UInt8(ascii: " ")

    /// Parses one line; keywords are case-insensitive. Never traps, whatever the bytes.
    public static func parse(_ line: some Collection<UInt8>) -> Result<POP3Command, POP3ParseError> {
        let bytes = Array(line)
        if bytes.isEmpty { return .failure(.empty) }
        let keywordEnd = bytes.firstIndex(of: space) ?? bytes.endIndex
        guard let keyword = keyword(bytes[..<keywordEnd]) else {
            return isProxy(bytes[..<keywordEnd]) ? .failure(.proxyHeader) : .failure(.unknownCommand)
        }
        // PASS keeps everything after the single separating space; `nil` means no argument at all.
        let rest: ArraySlice<UInt8>? = keywordEnd < bytes.endIndex ? bytes[(keywordEnd + 1)...] : nil
        let arguments = rest?.split(separator: space, omittingEmptySubsequences: true) ?? []
        return parse(keyword, rest: rest, arguments: arguments)
    }

    /// A PROXY protocol v1 line's first word (any case, as keywords are read).
    private static func isProxy(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count == 5 && bytes.map { $0 & 0xDF }.elementsEqual("PROXY".utf8)
    }

    private static func keyword(_ bytes: ArraySlice<UInt8>) -> POP3Keyword? {
        guard (1...POP3Limits.maxKeywordOctets).contains(bytes.count) else { return nil }
        var name = ""
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"): name.unicodeScalars.append(Unicode.Scalar(byte - 32))
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): name.unicodeScalars.append(Unicode.Scalar(byte))
            default: return nil
            }
        }
        return POP3Keyword(rawValue: name)
    }

    private static func parse(
        _ keyword: POP3Keyword,
        rest: ArraySlice<UInt8>?,
        arguments: [ArraySlice<UInt8>]
    ) -> Result<POP3Command, POP3ParseError> {
        let bad = Result<POP3Command, POP3ParseError>.failure(.badArgument(keyword))
        switch keyword {
        case .quit, .stat, .noop, .rset, .capa, .stls:
            guard arguments.isEmpty else { return bad }
            return .success(noArgumentCommand(keyword))
        case .pass:
            guard let rest else { return bad }
            return .success(.pass(Array(rest)))
        case .user:
            guard arguments.count == 1 else { return bad }
            guard let name = userName(arguments[0]) else { return .failure(.invalidUserName) }
            return .success(.user(name))
        case .list, .uidl:
            guard arguments.count <= 1 else { return bad }
            guard let argument = arguments.first else { return .success(keyword == .list ? .list(nil) : .uidl(nil)) }
            guard let number = messageNumber(argument) else { return .failure(.noSuchMessageNumber(keyword)) }
            return .success(keyword == .list ? .list(number) : .uidl(number))
        case .retr, .dele:
            guard arguments.count == 1 else { return bad }
            guard let number = messageNumber(arguments[0]) else { return .failure(.noSuchMessageNumber(keyword)) }
            return .success(keyword == .retr ? .retr(number) : .dele(number))
        case .top:
            guard arguments.count == 2 else { return bad }
            guard let number = messageNumber(arguments[0]) else { return .failure(.noSuchMessageNumber(keyword)) }
            guard let lines = decimal(arguments[1]) else { return bad }
            return .success(.top(number, lines))
        case .auth:
            return auth(arguments, bad: bad)
        case .apop:
            guard arguments.count == 2, let name = printable(arguments[0]), let digest = printable(arguments[1])
            else { return bad }
            return .success(.apop(name, digest))
        }
    }

    private static func noArgumentCommand(_ keyword: POP3Keyword) -> POP3Command {
        switch keyword {
        case .stat: .stat
        case .noop: .noop
        case .rset: .rset
        case .capa: .capa
        case .stls: .stls
        default: .quit
        }
    }

    private static func auth(
        _ arguments: [ArraySlice<UInt8>],
        bad: Result<POP3Command, POP3ParseError>
    ) -> Result<POP3Command, POP3ParseError> {
        guard arguments.count <= 2 else { return bad }
        guard let first = arguments.first else { return .success(.auth(mechanism: nil, initialResponse: nil)) }
        guard let mechanism = printable(first) else { return bad }
        var initialResponse: String? = nil
        if arguments.count == 2 {
            guard let response = printable(arguments[1]) else { return bad }
            initialResponse = response
        }
        return .success(.auth(mechanism: mechanism.uppercased(), initialResponse: initialResponse))
    }

    /// A message number: decimal digits only, from 1 up, no overflow.
    private static func messageNumber(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard let value = decimal(bytes), value >= 1, value != Int.max else { return nil }
        return value
    }

    /// A non-negative decimal; values too large for `Int` saturate at `Int.max`.
    private static func decimal(_ bytes: ArraySlice<UInt8>) -> Int? {
        guard !bytes.isEmpty else { return nil }
        var value = 0
        var saturated = false
        for byte in bytes {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            if saturated { continue }
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = shifted.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            if overflowA || overflowB {
                saturated = true
                value = Int.max
            } else {
                value = sum
            }
        }
        return value
    }

    /// Printable ASCII (0x21...0x7E) as a String, or nil.
    private static func printable(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A user name: 1 to 64 octets of valid UTF-8 without control characters.
    static func userName(_ bytes: some Collection<UInt8>) -> String? {
        guard (1...POP3Limits.maxUserNameOctets).contains(bytes.count),
            !bytes.contains(where: { $0 < 0x20 || $0 == 0x7F })
        else { return nil }
        return String(validating: bytes, as: UTF8.self)
    }
}
