import MonitorProtocol
import Storage

/// How a version words a refusal: v2 says "not found" and "already exists", v1 can only say "bad data".
struct MonitorRefusals: Sendable {
    let version: MonitorVersion

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
