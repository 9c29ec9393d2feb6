/// The settings a running server reads and the monitor writes.
public enum SettingKey: String, Sendable, CaseIterable {
    /// The maildir root; pop3d reads it at start when no `-m` is given.
    case maildir
    /// The v1 buffer size, kept for the seed client.
    case bufferSize = "buffer_size"
}

/// The name a metric's samples are stored under (the monitor protocol's metric names).
public struct MetricKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) {
        self.name = name
    }

    public var description: String { name }
}
