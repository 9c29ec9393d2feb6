public import Storage

// Tests name users and metrics by literals; the server builds these keys only from checked values.
extension MailboxName: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        guard let name = MailboxName(value) else { preconditionFailure("\(value) is not a mailbox name") }
        self = name
    }
}

extension MetricKey: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) {
        self.init(value)
    }
}
