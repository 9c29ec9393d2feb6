import MonitorProtocol
import Storage

/// How a version words a refusal: v2 says "not found" and "already exists", v1 can only say "bad data".
struct MonitorRefusals: Sendable {
    let version: MonitorVersion

    /// The answer to the one request of a connection over the monitor's connection caps (v1 says only "server
    /// error"; v2 also says why).
    static let tooManyConnections = MonitorFailure(
        .serverError, "the monitor port has too many connections; try again later")

    func notFound(_ what: String) -> MonitorFailure {
        MonitorFailure(version == .v1 ? .badData : .notFound, "no such \(what)")
    }

    func alreadyExists(_ what: String) -> MonitorFailure {
        MonitorFailure(version == .v1 ? .badData : .alreadyExists, "\(what) exists")
    }

    /// The refusal for an error a store threw while carrying out `request`.
    func failure(for error: any Error, doing request: String) -> MonitorFailure {
        switch error as? StorageError {
        case .alreadyExists(let what)?: alreadyExists(what)
        case .invalidValue(let reason)?: MonitorFailure(.badData, reason)
        default: MonitorFailure(.serverError, "the server could not \(request); see its log")
        }
    }
}
