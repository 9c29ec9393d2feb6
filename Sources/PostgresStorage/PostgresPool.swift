import Logging
import PostgresNIO
import Storage

/// The stores' way to the database: postgres-nio's connection pool, with every failure turned into a
/// `StorageError` that names the server.
struct PostgresPool: Sendable {
    let client: PostgresClient
    let location: PostgresLocation
    let logger: Logger

    /// Runs one statement outside a transaction and returns all its rows.
    @discardableResult
    func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
        do {
            return try await client.query(query, logger: logger).collect()
        } catch {
            throw PostgresFailure.storageError(error, step: .query, location: location)
        }
    }

    /// Runs `body` in one transaction on one connection: committed when it returns, rolled back when it throws.
    func transaction<Result: Sendable>(_ body: (Transaction) async throws -> Result) async throws -> Result {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await body(Transaction(connection: connection, logger: logger))
            }
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

    /// One connection inside `transaction`.
    struct Transaction {
        let connection: PostgresConnection
        let logger: Logger

        func rows(_ query: PostgresQuery) async throws -> [PostgresRow] {
            try await connection.query(query, logger: logger).collect()
        }
    }
}
