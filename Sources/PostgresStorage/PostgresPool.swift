import Logging
import PostgresNIO
import Storage

/// The stores' way to the database: postgres-nio's connection pool, with every failure turned into a
/// `StorageError` that names the server, and every request bounded in time. While the server is unreachable the
/// pool keeps a request waiting for a connection for about a minute; a POP3 client gives up long before, so a
/// request that takes longer than `timeout` fails as a transient error ([SYS/TEMP]) instead.
struct PostgresPool: Sendable {
    let client: PostgresClient
    let location: PostgresLocation
    let logger: Logger
    let timeout: Duration

    /// Runs one statement outside a transaction and returns all its rows.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        let (client, logger) = (client, logger)
        return try await bounded { try await client.query(query, logger: logger).collect() }
    }

    /// Runs `body` on Swift's global executor, for store calls whose rows or arguments grow with the data (a maildrop's
    /// index, a session's deletions). pop3d makes those calls from tasks that run on an event loop (a login, a QUIT);
    /// SQLite's stores hop to their database threads, while a PostgreSQL store would otherwise encode and decode
    /// ten thousand rows on the loop and hold every other session on it meanwhile.
    @discardableResult
    func offEventLoop<Result: Sendable>(_ body: () async throws -> Result) async throws -> Result {
        try await withTaskExecutorPreference(globalConcurrentExecutor) { try await body() }
    }

    /// Runs `body` in one transaction on one connection: committed when it returns, rolled back when it throws.
    func transaction<Result: Sendable>(_ body: @escaping @Sendable (Transaction) async throws -> Result)
        async throws -> Result
    {
        let (client, logger) = (client, logger)
        return try await bounded {
            try await client.withTransaction(logger: logger) { connection in
                try await body(Transaction(connection: connection, logger: logger))
            }
        }
    }

    /// Runs `work` for at most `timeout` (cancelled after it) and turns its errors into `StorageError`s.
    private func bounded<Result: Sendable>(_ work: @escaping @Sendable () async throws -> Result) async throws
        -> Result
    {
        do {
            return try await withThrowingTaskGroup(of: Result.self) { group in
                group.addTask { try await work() }
                group.addTask { [timeout] in
                    try await Task.sleep(for: timeout)
                    throw RequestTimedOut()
                }
                defer { group.cancelAll() }
                guard let result = try await group.next() else { throw CancellationError() }
                return result
            }
        } catch is RequestTimedOut {
            throw StorageError.server(
                "PostgreSQL at \(location.server): no answer within \(timeout) (unreachable or overloaded)",
                isTransient: true)
        } catch let error as StorageError {
            throw error
        } catch let error as PostgresTransactionError {
            // The closure's own error (a StorageError the store threw on purpose) comes first.
            if let inner = error.closureError as? StorageError { throw inner }
            throw PostgresFailure.storageError(
                error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error,
                step: .query, location: location)
        } catch {
            throw PostgresFailure.storageError(error, step: .query, location: location)
        }
    }

    private struct RequestTimedOut: Error {}

    /// One connection inside `transaction`.
    struct Transaction {
        let connection: PostgresConnection
        let logger: Logger

        func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
            try await connection.query(query, logger: logger).collect()
        }
    }
}
