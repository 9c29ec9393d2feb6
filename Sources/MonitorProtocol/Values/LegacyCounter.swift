/// The three values a v1 GET can ask for (its TARGET byte). Answers are 32-bit.
public enum LegacyCounter: UInt8, Sendable, Hashable, CaseIterable {
    /// Connections since the first start (seed flag -C).
    case connectionsTotal = 0x00
    /// Connections open now (seed flag -c).
    case connectionsCurrent = 0x01
    /// Octets sent to POP3 clients, all time (seed flag -b).
    case bytesTransferred = 0x02

    /// The v2 metric the value comes from.
    public var metric: MetricID {
        switch self {
        case .connectionsTotal: .connectionsTotal
        case .connectionsCurrent: .connectionsCurrent
        case .bytesTransferred: .bytesOut
        }
    }

    /// A 64-bit value as v1 sends it: clamped to UInt32.max rather than wrapped, so it never goes backwards.
    public static func wireValue(_ value: UInt64) -> UInt32 {
        UInt32(clamping: value)
    }
}
