/// The protocol versions this library speaks; the first byte of every request.
public enum MonitorVersion: UInt8, Sendable, Hashable, CaseIterable {
    /// The seed's format: one request per connection, 32-bit counters.
    case v1 = 0x01
    /// Our format: several requests per connection, request ids, 64-bit values.
    case v2 = 0x02
}
