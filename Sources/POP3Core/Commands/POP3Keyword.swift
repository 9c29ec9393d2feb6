/// The command keywords this server knows, spelled as on the wire.
public enum POP3Keyword: String, CaseIterable, Sendable {
    case user = "USER"
    case pass = "PASS"
    case quit = "QUIT"
    case stat = "STAT"
    case noop = "NOOP"
    case rset = "RSET"
    case capa = "CAPA"
    case stls = "STLS"
    case list = "LIST"
    case uidl = "UIDL"
    case retr = "RETR"
    case dele = "DELE"
    case top = "TOP"
    case auth = "AUTH"
    case apop = "APOP"

    /// How the command is written, for `-ERR syntax: ...` answers.
    var usage: String {
        switch self {
        case .user: "USER name"
        case .pass: "PASS string"
        case .list: "LIST [msg]"
        case .uidl: "UIDL [msg]"
        case .retr: "RETR msg"
        case .dele: "DELE msg"
        case .top: "TOP msg n"
        case .auth: "AUTH [mechanism [initial-response]]"
        case .apop: "APOP name digest"
        case .quit, .stat, .noop, .rset, .capa, .stls: rawValue
        }
    }

    /// Whether the command may be given in `state` (RFC 1939, 2449, 2595, 5034).
    func isValid(in state: POP3SessionState) -> Bool {
        switch self {
        case .capa, .quit: state == .authorization || state == .transaction
        case .user, .pass, .stls, .auth, .apop: state == .authorization
        case .stat, .noop, .rset, .list, .uidl, .retr, .dele, .top: state == .transaction
        }
    }
}
