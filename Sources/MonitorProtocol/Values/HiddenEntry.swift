/// A message keep-on-delete hid, as `list hidden` answers it.
public struct HiddenEntry: Sendable, Hashable {
    /// The message's file name in the maildrop's `cur/`.
    public var fileName: String
    public var size: UInt64
    /// Unix seconds: when it was hidden (its file's last name change).
    public var hiddenAt: Int64

    public init(fileName: String, size: UInt64, hiddenAt: Int64) {
        self.fileName = fileName
        self.size = size
        self.hiddenAt = hiddenAt
    }
}
