public import Logging
public import MonitorProtocol
public import Storage

/// Answers one framed monitor request: checks the token, then method, target and data, then carries it out.
/// The stores it awaits do their own hops; it blocks no thread.
public struct MonitorRequestProcessor: Sendable {
    private let tokens: any TokenStore
    private let performer: MonitorOperationPerformer
    private let logger: Logger

    public init(tokens: any TokenStore, performer: MonitorOperationPerformer, logger: Logger) {
        self.tokens = tokens
        self.performer = performer
        self.logger = logger
    }

    /// The answer to `frame` and what the log says about it. Never throws: every failure is a status.
    public func answer(_ frame: MonitorRequestFrame) async -> MonitorOutcome {
        var outcome = MonitorOutcome(
            response: .failure(MonitorFailure(.serverError, "not answered"), to: frame), admin: nil,
            request: Self.rawDescription(of: frame))
        guard let admin = await authenticate(frame, into: &outcome) else { return outcome }
        outcome.admin = admin
        do throws(MonitorFailure) {
            let operation = try frame.operation()
            outcome.request = operation.logDescription
            outcome.response = .success(try await performer.perform(operation, version: frame.version), to: frame)
        } catch {
            outcome.response = .failure(error, to: frame)
        }
        return outcome
    }

    /// The admin owning the frame's token, or nil with the refusal written into `outcome`.
    private func authenticate(_ frame: MonitorRequestFrame, into outcome: inout MonitorOutcome) async -> String? {
        let refused = MonitorFailure(.authenticationFailed, "the token is not an admin's token")
        guard let token = frame.token else {
            outcome.response = .failure(refused, to: frame)
            return nil
        }
        do {
            guard let admin = try await tokens.admin(forToken: token.text) else {
                outcome.response = .failure(refused, to: frame)
                return nil
            }
            return admin
        } catch {
            logger.error("cannot check a monitor token", metadata: ["error": "\(error)"])
            outcome.response = .failure(MonitorFailure(.serverError, "the server could not check the token"), to: frame)
            return nil
        }
    }

    /// How the log names a request that was refused before its operation was known (no data: it may hold a secret).
    static func rawDescription(of frame: MonitorRequestFrame) -> String {
        switch frame.version {
        case .v1: "v1 method \(frame.method) target \(frame.target)"
        case .v2: "v2 op \(frame.method)"
        }
    }
}

/// A monitor request's answer and the fields its log line carries (never a token or password).
public struct MonitorOutcome: Sendable {
    public var response: MonitorResponse
    /// The authenticated admin; nil when the token was refused or not checked.
    public var admin: String?
    /// What was asked, from `MonitorOperation.logDescription` once the request parsed.
    public var request: String

    public var status: MonitorStatus { response.status }
}
