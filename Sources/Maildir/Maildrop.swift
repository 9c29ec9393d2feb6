public import Storage

/// An opened maildrop: its messages in delivery order.
///
/// Order: by the leading decimal timestamp of the base name (the maildir convention "<seconds>.<unique>.<host>"),
/// or the file's modification second when the name has none; ties by base name (byte order). Flag changes
/// do not move a message, and deleting one does not reorder the others.
public struct Maildrop: Sendable {
    public let user: MailboxName
    /// `<root>/<user>`.
    public let directory: String
    public let messages: [MaildropMessage]
    /// What the scan cost; for logs and tests.
    public internal(set) var statistics: MaildropScanStatistics

    public init(
        user: MailboxName, directory: String, messages: [MaildropMessage],
        statistics: MaildropScanStatistics = MaildropScanStatistics()
    ) {
        self.user = user
        self.directory = directory
        self.messages = messages
        self.statistics = statistics
    }

    /// Sum of the wire sizes, as STAT reports before any DELE.
    public var totalWireSize: Int { messages.reduce(0) { $0 + $1.wireSize } }
}
