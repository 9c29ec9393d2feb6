import PostgresNIO
import Storage

/// Turns postgres-nio's errors into `StorageError`s that say which server, which step and why. postgres-nio's own
/// descriptions leave the server's message out on purpose (it may hold data); an operator needs it, and pop3d's
/// queries carry no secrets in their text.
enum PostgresFailure {
    /// What pop3d was doing when the database failed.
    enum Step: String {
        case connect, authenticate, migrate, query
    }

    static func storageError(_ error: any Error, step: Step, location: PostgresLocation) -> StorageError {
        if let storage = error as? StorageError { return storage }
        let (reason, transient, sqlState) = describe(error)
        var actualStep = step
        // 28000 invalid authorization, 28P01 wrong password: the server refused who we are.
        if step == .connect, let sqlState, sqlState.hasPrefix("28") { actualStep = .authenticate }
        if step == .connect, let psql = error as? PSQLError,
            [.unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError].contains(psql.code)
        {
            actualStep = .authenticate
        }
        return .server(
            "PostgreSQL at \(location.server): \(actualStep.rawValue) failed: \(reason)", isTransient: transient)
    }

    /// The server's SQLSTATE of an error, when it is the server's.
    static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    private static func describe(_ error: any Error) -> (reason: String, transient: Bool, sqlState: String?) {
        guard let psql = error as? PSQLError else { return ("\(error)", true, nil) }
        if let info = psql.serverInfo {
            let state = info[.sqlState] ?? ""
            var reason = info[.message] ?? "error"
            if let detail = info[.detail] { reason += " (\(detail))" }
            if !state.isEmpty { reason += " [SQLSTATE \(state)]" }
            // 08 connection, 40 rollback (serialization, deadlock), 53 resources, 57 operator (shutdown), 58 I/O.
            let transient = ["08", "40", "53", "57", "58"].contains(String(state.prefix(2)))
            return (reason, transient, state)
        }
        if let underlying = psql.underlying { return ("\(psql.code): \(underlying)", true, nil) }
        return ("\(psql.code)", true, nil)
    }
}
