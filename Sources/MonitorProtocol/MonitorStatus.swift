/// The status byte of a response. Any byte is representable, so an unknown status from a newer server still decodes.
public struct MonitorStatus: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The request was carried out.
    public static let ok = MonitorStatus(rawValue: 0x00)
    /// The first byte is not a version the server speaks.
    public static let badVersion = MonitorStatus(rawValue: 0x01)
    /// Unknown METHOD (v1) or OP (v2).
    public static let badMethod = MonitorStatus(rawValue: 0x02)
    /// Unknown TARGET (v1) or metric id (v2).
    public static let badTarget = MonitorStatus(rawValue: 0x03)
    /// DATA is malformed, breaks a limit, or the server refused the value (v1 also uses it for
    /// "user exists" and "no such user").
    public static let badData = MonitorStatus(rawValue: 0x04)
    /// The token is not one of the server's admin tokens.
    public static let authenticationFailed = MonitorStatus(rawValue: 0x05)
    /// The server failed while carrying out a valid request (for example the database is busy).
    public static let serverError = MonitorStatus(rawValue: 0x06)
    /// v2: the named user, admin or session does not exist.
    public static let notFound = MonitorStatus(rawValue: 0x07)
    /// v2: the named user or admin already exists.
    public static let alreadyExists = MonitorStatus(rawValue: 0x08)
    /// v2: DLEN over the limit, or a history query asking for too many points.
    public static let tooLarge = MonitorStatus(rawValue: 0x09)

    /// Every status this library defines, in code order.
    public static let known: [MonitorStatus] = [
        .ok, .badVersion, .badMethod, .badTarget, .badData, .authenticationFailed, .serverError,
        .notFound, .alreadyExists, .tooLarge,
    ]

    /// A short name, as written in the protocol document.
    public var name: String {
        switch self {
        case .ok: "ok"
        case .badVersion: "bad version"
        case .badMethod: "bad method"
        case .badTarget: "bad target"
        case .badData: "bad data"
        case .authenticationFailed: "authentication failed"
        case .serverError: "server error"
        case .notFound: "not found"
        case .alreadyExists: "already exists"
        case .tooLarge: "too large"
        default: "unknown status"
        }
    }

    /// A sentence an operator can act on.
    public var explanation: String {
        switch self {
        case .ok: "the request was carried out"
        case .badVersion: "the server does not speak this protocol version"
        case .badMethod: "the server does not know this request"
        case .badTarget: "the server does not know this target or metric"
        case .badData: "the server refused the request's data (malformed, out of range, or not applicable)"
        case .authenticationFailed: "the token was refused (check the admin token)"
        case .serverError: "the server failed to carry out the request; see its log"
        case .notFound: "no such user, admin or session"
        case .alreadyExists: "it already exists"
        case .tooLarge: "the request or its answer is over a protocol limit"
        default: "the server answered with a status this client does not know"
        }
    }

    public var description: String {
        "\(name) (0x\(HexText.byte(rawValue)))"
    }
}
