import MonitorProtocol

/// The stderr line for a request the server refused: what was asked, the status, and what it means.
enum RefusalText {
    static func line(action: String, status: MonitorStatus, message: String, hint: String? = nil) -> String {
        var text = "pop3ctl: \(action): refused: \(status): \(status.explanation)"
        if !message.isEmpty { text += " (server says: \(message))" }
        if let hint { text += "; \(hint)" }
        return text
    }

    /// What a v1 "bad data" most likely means for the seed flags, since v1 cannot say more.
    static func legacyHint(for operation: MonitorOperation, status: MonitorStatus) -> String? {
        guard status == .badData else { return nil }
        switch operation {
        case .addUser: return "does the user already exist?"
        case .deleteUser: return "is there such a user?"
        case .addAdmin: return "does the admin already exist?"
        case .deleteAdmin: return "is there such an admin?"
        case .setMaildir: return "is the path a directory the server can use?"
        default: return nil
        }
    }
}
