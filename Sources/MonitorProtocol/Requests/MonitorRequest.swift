/// A typed request: what a client sends, and what a server acts on once the token is checked.
public struct MonitorRequest: Sendable, Hashable {
    public var version: MonitorVersion
    /// Echoed in the v2 response so a client can match answers; always 0 in v1.
    public var requestID: UInt32
    public var token: MonitorToken
    public var operation: MonitorOperation

    public init(version: MonitorVersion, requestID: UInt32 = 0, token: MonitorToken, operation: MonitorOperation) {
        self.version = version
        self.requestID = version == .v1 ? 0 : requestID
        self.token = token
        self.operation = operation
    }

    /// The request's bytes on the wire.
    public func encoded() throws(MonitorEncodingError) -> [UInt8] {
        switch version {
        case .v1: try LegacyRequestEncoder.encode(self)
        case .v2: try RequestEncoder.encode(self)
        }
    }
}

/// Why a request could not be encoded: a field breaks a protocol rule, so it is not sent.
public enum MonitorEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The operation does not exist in this version.
    case notInVersion(MonitorVersion)
    /// A text field breaks its rule.
    case invalidText(TextField, String)
    /// A value is out of range (for example a history query spanning too many points).
    case invalidValue(String)
    /// DATA would be over the version's DLEN limit.
    case tooLarge(Int)

    public var description: String {
        switch self {
        case .notInVersion(let version): "this request does not exist in protocol version \(version.rawValue)"
        case .invalidText(let field, let what): "\(what) must be \(field.rule)"
        case .invalidValue(let what): what
        case .tooLarge(let size): "the request's data (\(size) bytes) is over the protocol limit"
        }
    }
}
