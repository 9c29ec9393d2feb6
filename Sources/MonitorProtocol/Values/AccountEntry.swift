/// A POP3 user or a monitor admin as listed: a name and when it was created (never a secret).
public struct AccountEntry: Sendable, Hashable {
    public var name: String
    /// Unix seconds.
    public var createdAt: Int64

    public init(name: String, createdAt: Int64) {
        self.name = name
        self.createdAt = createdAt
    }
}
