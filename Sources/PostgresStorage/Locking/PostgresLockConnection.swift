import Logging
import NIOCore
import PostgresNIO
import Storage
import Synchronization

/// The node's one dedicated connection for locks, outside the pool: it holds the node's name lock and every
/// maildrop lock the node's sessions hold (session-level advisory locks live as long as the database session, so
/// they must never go through a pooler in transaction mode or a pooled connection).
///
/// When the connection breaks, PostgreSQL has already dropped every lock it held: the connection moves to a new
/// generation, tells its observer (which ends the sessions that held maildrops), and reconnects with back-off,
/// taking the node's name lock again before it serves locks. Every use names the generation it belongs to, so
/// nothing from before a break is believed after it.
final class PostgresLockConnection: Sendable {
    /// Each connection (and reconnection) is one generation; locks taken in one are void in the next.
    typealias Generation = Int

    private enum State {
        case up(PostgresConnection, Generation)
        case down(Generation)
        case closed
    }

    /// How a fresh connection is made: TCP keepalives on, the node's name lock taken.
    typealias Connector = @Sendable () async throws -> PostgresConnection

    private let state: Mutex<State>
    private let connect: Connector
    /// Bounds every statement; a connection that does not answer in time is closed (and so fenced).
    private let timeout: Duration
    /// The database as logs name it (its URL, without password).
    private let server: String
    private let logger: Logger
    /// Told when a generation ends: its locks are gone.
    private let observers = Mutex<[@Sendable (Generation) -> Void]>([])
    private let supervisor = Mutex<Task<Void, Never>?>(nil)

    init(first: PostgresConnection, connect: @escaping Connector, timeout: Duration, server: String, logger: Logger) {
        state = Mutex(.up(first, 1))
        self.connect = connect
        self.timeout = timeout
        self.server = server
        self.logger = logger
        supervisor.withLock { $0 = Task { [self] in await supervise(first, generation: 1) } }
    }

    /// Runs `observer` with the generation that ended whenever the connection breaks.
    func whenLost(_ observer: @escaping @Sendable (Generation) -> Void) {
        observers.withLock { $0.append(observer) }
    }

    /// The generation whose locks are valid now; nil while the connection is down.
    var currentGeneration: Generation? {
        state.withLock {
            if case .up(_, let generation) = $0 { return generation }
            return nil
        }
    }

    /// Runs `query` on the connection of `generation` (the current one when nil) and returns its rows with the
    /// generation they belong to. Throws `LockConnectionError.unavailable` while down or when `generation` has ended.
    func rows(_ query: PostgresQuery, generation wanted: Generation? = nil) async throws
        -> (rows: [PostgresRow], generation: Generation)
    {
        let (connection, generation) = try state.withLock { state throws(LockConnectionError) in
            switch state {
            case .up(let connection, let generation) where wanted == nil || wanted == generation:
                return (connection, generation)
            case .up, .down: throw LockConnectionError.unavailable("the lock connection to \(server) was lost")
            case .closed: throw LockConnectionError.unavailable("pop3d is stopping")
            }
        }
        let logger = self.logger
        do {
            let rows = try await withThrowingTaskGroup(of: [PostgresRow].self) { group in
                group.addTask { try await connection.query(query, logger: logger).collect() }
                group.addTask { [timeout] in
                    try await Task.sleep(for: timeout)
                    throw LockConnectionError.unavailable("no answer on the lock connection within \(timeout)")
                }
                defer { group.cancelAll() }
                guard let rows = try await group.next() else { throw CancellationError() }
                return rows
            }
            return (rows, generation)
        } catch {
            // A lock connection that fails or stalls cannot be trusted with locks: closing it fences this node.
            if PostgresFailure.sqlState(of: error) == nil, !connection.isClosed {
                logger.error(
                    "lock connection failed: closing it", metadata: ["database": "\(server)", "error": "\(error)"])
                try? await connection.close()
            }
            if let error = error as? LockConnectionError { throw error }
            throw LockConnectionError.unavailable("\(error)")
        }
    }

    /// Closes the connection for good (pop3d stops); PostgreSQL frees whatever it still held.
    func close() async {
        let connection: PostgresConnection? = state.withLock { state in
            defer { state = .closed }
            if case .up(let connection, _) = state { return connection }
            return nil
        }
        // Not awaited: a reconnection in progress may take its connect timeout; it closes what it gets once it sees
        // the state is closed.
        supervisor.withLock { $0 }?.cancel()
        try? await connection?.close()
    }

    /// Waits for the connection to close, then reconnects until it succeeds or pop3d stops.
    private func supervise(_ first: PostgresConnection, generation firstGeneration: Generation) async {
        var connection = first
        var generation = firstGeneration
        while !Task.isCancelled {
            try? await connection.closeFuture.get()
            let ended: Bool = state.withLock { state in
                if case .closed = state { return false }
                state = .down(generation + 1)
                return true
            }
            guard ended else { return }
            logger.error(
                "lock connection lost: sessions holding maildrops end, logins are refused until it is back",
                metadata: ["database": "\(server)"])
            notify(lost: generation)
            generation += 1
            guard let next = await reconnect() else { return }
            let current: Bool = state.withLock { state in
                if case .closed = state { return false }
                state = .up(next, generation)
                return true
            }
            guard current else {
                try? await next.close()
                return
            }
            connection = next
            logger.notice("lock connection restored: serving logins", metadata: ["database": "\(server)"])
        }
    }

    /// New connections with back-off (0.25 s doubling to 5 s) until one takes the node's lock; nil when cancelled.
    private func reconnect() async -> PostgresConnection? {
        var delay = Duration.milliseconds(250)
        while !Task.isCancelled {
            do {
                return try await connect()
            } catch {
                logger.warning(
                    "cannot reconnect the lock connection",
                    metadata: ["database": "\(server)", "error": "\(error)", "retry_in": "\(delay)"])
            }
            do { try await Task.sleep(for: delay) } catch { return nil }
            delay = min(delay * 2, .seconds(5))
        }
        return nil
    }

    private func notify(lost generation: Generation) {
        for observer in observers.withLock({ $0 }) { observer(generation) }
    }
}

/// Why the lock connection could not serve a request.
enum LockConnectionError: Error, CustomStringConvertible {
    case unavailable(String)

    var description: String {
        switch self {
        case .unavailable(let why): return why
        }
    }
}
