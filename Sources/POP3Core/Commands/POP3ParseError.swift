/// Why a command line could not be parsed.
public enum POP3ParseError: Error, Equatable, Sendable {
    /// The line was empty.
    case empty
    /// The keyword is unknown, or is not plain ASCII letters (NUL, binary, non-UTF-8).
    case unknownCommand
    /// Missing, extra or malformed arguments (other than message numbers).
    case badArgument(POP3Keyword)
    /// A message-number argument that is not a number from 1 up (`0`, `-1`, `abc`, overflow).
    case noSuchMessageNumber(POP3Keyword)
    /// A USER name that is empty, too long, not UTF-8 or has control characters.
    case invalidUserName
    /// A PROXY protocol header where a command belongs: sent by a balancer this server does not trust (a trusted
    /// one's header is taken off before any line is read).
    case proxyHeader

    /// The keyword the line began with, when it was a known one.
    public var keyword: POP3Keyword? {
        switch self {
        case .empty, .unknownCommand, .proxyHeader: nil
        case .badArgument(let keyword), .noSuchMessageNumber(let keyword): keyword
        case .invalidUserName: .user
        }
    }
}
