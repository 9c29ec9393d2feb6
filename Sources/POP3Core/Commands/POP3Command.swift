/// One parsed command line.
public enum POP3Command: Equatable, Sendable {
    case user(String)
    /// PASS takes the rest of the line, spaces included, as raw bytes.
    case pass([UInt8])
    case quit
    case stat
    case noop
    case rset
    case capa
    case stls
    case list(Int?)
    case uidl(Int?)
    case retr(Int)
    case dele(Int)
    /// Message number, then the number of body lines.
    case top(Int, Int)
    /// Bare AUTH has no mechanism; mechanism names are upper-cased.
    case auth(mechanism: String?, initialResponse: String?)
    /// Parsed only so it can be refused by name.
    case apop(String, String)

    /// The keyword the command was given with.
    public var keyword: POP3Keyword {
        switch self {
        case .user: .user
        case .pass: .pass
        case .quit: .quit
        case .stat: .stat
        case .noop: .noop
        case .rset: .rset
        case .capa: .capa
        case .stls: .stls
        case .list: .list
        case .uidl: .uidl
        case .retr: .retr
        case .dele: .dele
        case .top: .top
        case .auth: .auth
        case .apop: .apop
        }
    }
}
