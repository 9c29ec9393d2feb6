/// One of a user's app passwords as listed: its label and times, never the secret.
public struct AppPasswordEntry: Sendable, Hashable {
    public var label: String
    /// Unix seconds.
    public var createdAt: Int64
    /// Unix seconds of the last login that checked it; 0 for never.
    public var lastUsedAt: Int64

    public init(label: String, createdAt: Int64, lastUsedAt: Int64) {
        self.label = label
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
    }
}
