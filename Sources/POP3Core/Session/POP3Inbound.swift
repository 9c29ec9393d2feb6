/// One unit of input for the session: a command line, or what the line framer did instead.
public enum POP3Inbound: Sendable, Equatable {
    /// A line without its line end.
    case line([UInt8])
    /// A line over the limit was discarded up to its line end.
    case lineTooLong

    /// The octets this stood for on the wire, as the input bound counts them (a line end is two).
    public var wireLength: Int {
        switch self {
        case .line(let bytes): bytes.count + 2
        case .lineTooLong: 2
        }
    }
}
