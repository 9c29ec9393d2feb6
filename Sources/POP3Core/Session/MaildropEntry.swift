/// One message as the session sees it: its wire size (CRLF, unstuffed) and its unique id.
public struct MaildropEntry: Equatable, Sendable {
    public var size: Int
    public var uidl: String

    public init(size: Int, uidl: String) {
        self.size = size
        self.uidl = uidl
    }
}
