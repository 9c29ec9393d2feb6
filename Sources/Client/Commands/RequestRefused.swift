import MonitorProtocol

/// The server answered a request with a status other than ok.
struct RequestRefused: Error, Sendable {
    var action: String
    var status: MonitorStatus
    var message: String
    var hint: String?

    var line: String { RefusalText.line(action: action, status: status, message: message, hint: hint) }
}
