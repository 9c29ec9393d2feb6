import PostgresNIO
import Storage
import Synchronization

/// Sends the node's maildrop lock and unlock requests over its one lock connection in batches: while one statement
/// is on its way, the requests that arrive queue up, and the next statement carries all of them (one `unnest`ed
/// array each). One connection answers one statement at a time, so without batching a crowd of logins would queue
/// a round trip each; with it, a crowd costs a round trip per batch, and PostgreSQL and pop3d parse, plan and
/// encode one statement for many logins.
final class AdvisoryLockBatcher: Sendable {
    /// What a lock request learns about its user.
    struct Grant: Sendable {
        /// `users.id`, the second half of the lock's key; nil when no such user exists.
        let id: Int32?
        let locked: Bool
        /// The journal holds unfinished rows of the user.
        let recoveryDue: Bool
        let generation: PostgresLockConnection.Generation
    }

    private typealias LockRequest = (user: String, reply: CheckedContinuation<Grant, any Error>)
    private typealias UnlockRequest = (
        id: Int32, generation: PostgresLockConnection.Generation, reply: CheckedContinuation<Void, Never>
    )

    private struct Queue {
        /// A task is sending batches.
        var running = false
        var locks: [LockRequest] = []
        var unlocks: [UnlockRequest] = []
    }

    private let connection: PostgresLockConnection
    private let lockKey: Int32
    private let queue = Mutex(Queue())

    init(connection: PostgresLockConnection, lockKey: Int32) {
        self.connection = connection
        self.lockKey = lockKey
    }

    /// Tries the lock of `user` (never waits for another holder).
    func lock(user: String) async throws -> Grant {
        try await withCheckedThrowingContinuation { reply in
            enqueue { $0.locks.append((user, reply)) }
        }
    }

    /// Gives back the lock of user `id` taken in `generation`; a lock of an ended generation is gone already.
    func unlock(id: Int32, generation: PostgresLockConnection.Generation) async {
        await withCheckedContinuation { reply in
            enqueue { $0.unlocks.append((id, generation, reply)) }
        }
    }

    private func enqueue(_ add: (inout Queue) -> Void) {
        let start = queue.withLock { queue in
            add(&queue)
            defer { queue.running = true }
            return !queue.running
        }
        if start { Task { await drain() } }
    }

    /// Sends batches until nothing is queued: unlocks first (a user's next lock waits for its unlock anyway).
    private func drain() async {
        while true {
            // Taken and cleared in one step; `running` ends only when nothing was left to take.
            let batch = queue.withLock { queue -> (locks: [LockRequest], unlocks: [UnlockRequest])? in
                guard !queue.locks.isEmpty || !queue.unlocks.isEmpty else {
                    queue.running = false
                    return nil
                }
                defer {
                    queue.locks = []
                    queue.unlocks = []
                }
                return (queue.locks, queue.unlocks)
            }
            guard let (locks, unlocks) = batch else { return }
            if !unlocks.isEmpty { await sendUnlocks(unlocks) }
            if !locks.isEmpty { await sendLocks(locks) }
        }
    }

    private func sendUnlocks(_ unlocks: [UnlockRequest]) async {
        if let generation = connection.currentGeneration {
            let ids = unlocks.filter { $0.generation == generation }.map(\.id)
            if !ids.isEmpty {
                // A failure means the connection broke, and PostgreSQL dropped the locks with it.
                _ = try? await connection.rows(
                    "SELECT pg_advisory_unlock(\(lockKey), id) FROM unnest(\(ids)::int4[]) AS id",
                    generation: generation)
            }
        }
        for unlock in unlocks { unlock.reply.resume() }
    }

    private func sendLocks(_ locks: [LockRequest]) async {
        let names = locks.map(\.user)
        do {
            let (rows, generation) = try await connection.rows(
                """
                SELECT r.name, u.id,
                    CASE WHEN u.id IS NULL THEN false ELSE pg_try_advisory_lock(\(lockKey), u.id) END,
                    EXISTS (SELECT 1 FROM deletion_journal j WHERE j.user_name = r.name AND j.state <> 'done')
                FROM unnest(\(names)::text[]) AS r(name) LEFT JOIN users u ON u.name = r.name
                """)
            var grants: [String: Grant] = [:]
            for row in rows {
                let (name, id, locked, recoveryDue) = try row.decode((String, Int32?, Bool, Bool).self)
                grants[name] = Grant(id: id, locked: locked, recoveryDue: recoveryDue, generation: generation)
            }
            for lock in locks {
                if let grant = grants[lock.user] {
                    lock.reply.resume(returning: grant)
                } else {
                    lock.reply.resume(throwing: LockConnectionError.unavailable("no answer for user \(lock.user)"))
                }
            }
        } catch {
            for lock in locks { lock.reply.resume(throwing: error) }
        }
    }
}
