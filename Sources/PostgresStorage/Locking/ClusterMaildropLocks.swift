public import Maildir
import PostgresNIO
public import Storage
import Synchronization

/// One session per maildrop across every node on one PostgreSQL database: a session-level advisory lock
/// `(lockKey, users.id)` on the node's lock connection.
///
/// Advisory locks are re-entrant within one database session, and all of a node's sessions share its lock
/// connection: a second `pg_try_advisory_lock` for a user the node already holds would succeed. So the node asks its
/// own table first, takes each user's advisory lock at most once, and unlocks it exactly once.
public final class ClusterMaildropLocks: MaildropLock {
    /// The first half of every maildrop lock's key ("p3md"); the node lock uses another.
    static let lockKey: Int32 = 0x7033_6D64

    /// A user this node holds or is taking, by name.
    private struct Entry {
        /// Tells this entry from a later one for the same user.
        let token: UInt64
        /// nil while the lock is being taken.
        var generation: PostgresLockConnection.Generation?
    }

    private let connection: PostgresLockConnection
    private let batcher: AdvisoryLockBatcher
    private let table = Mutex<(next: UInt64, entries: [String: Entry])>((0, [:]))
    /// Told when the node's locks are lost: every session holding a maildrop must end.
    private let onLost = Mutex<[@Sendable () -> Void]>([])

    init(connection: PostgresLockConnection) {
        self.connection = connection
        self.batcher = AdvisoryLockBatcher(connection: connection, lockKey: Self.lockKey)
        connection.whenLost { [weak self] generation in
            guard let self else { return }
            table.withLock { table in table.entries = table.entries.filter { $0.value.generation ?? 0 > generation } }
            for action in onLost.withLock({ $0 }) { action() }
        }
    }

    /// Runs `action` whenever the lock connection breaks (pop3d ends the sessions that held maildrops).
    public func whenLost(_ action: @escaping @Sendable () -> Void) {
        onLost.withLock { $0.append(action) }
    }

    public func acquire(user: MailboxName, directory: String, files: any BlockingExecutor) async throws
        -> any MaildropLease
    {
        let token = try table.withLock { table throws(MaildropLockError) -> UInt64 in
            guard table.entries[user.value] == nil else { throw .inUse }
            table.next += 1
            table.entries[user.value] = Entry(token: table.next, generation: nil)
            return table.next
        }
        do {
            let (id, recoveryDue, generation) = try await lock(user)
            // A break between the lock and here voided it (PostgreSQL dropped it with the connection).
            guard hold(user, token: token, generation: generation) else {
                throw MaildropLockError.unavailable("the lock connection was lost while the lock was taken")
            }
            // The folder is not needed for the lock: the scan creates it on a first login.
            return ClusterMaildropLease(
                user: user, id: id, generation: generation, token: token, recoveryDue: recoveryDue, owner: self)
        } catch {
            forget(user, token: token)
            throw error
        }
    }

    /// Takes the user's advisory lock and learns whether the journal holds unfinished rows of the user, in one
    /// statement (shared with the other logins of the moment). Throws `inUse` when another node holds it.
    private func lock(_ user: MailboxName) async throws
        -> (id: Int32, recoveryDue: Bool, generation: PostgresLockConnection.Generation)
    {
        let grant: AdvisoryLockBatcher.Grant
        do {
            grant = try await batcher.lock(user: user.value)
        } catch {
            throw MaildropLockError.unavailable("\(error)")
        }
        guard let id = grant.id else { throw MaildropLockError.unavailable("user \(user) is not in the database") }
        guard grant.locked else { throw MaildropLockError.inUse }
        return (id, grant.recoveryDue, grant.generation)
    }

    /// Records the lock as held, unless its generation has already ended.
    private func hold(_ user: MailboxName, token: UInt64, generation: PostgresLockConnection.Generation) -> Bool {
        table.withLock { table in
            guard connection.currentGeneration == generation, table.entries[user.value]?.token == token else {
                return false
            }
            table.entries[user.value]?.generation = generation
            return true
        }
    }

    /// Drops the user's table entry when it is still the one `token` made.
    private func forget(_ user: MailboxName, token: UInt64) {
        table.withLock { table in
            if table.entries[user.value]?.token == token { table.entries[user.value] = nil }
        }
    }

    /// Unlocks the advisory lock (when its generation is still current), then forgets the entry.
    func release(
        user: MailboxName, id: Int32, generation: PostgresLockConnection.Generation, token: UInt64
    ) async {
        // A lock of an ended generation went with its connection.
        if connection.currentGeneration == generation { await batcher.unlock(id: id, generation: generation) }
        forget(user, token: token)
    }

    func isCurrent(_ generation: PostgresLockConnection.Generation) -> Bool {
        connection.currentGeneration == generation
    }

    /// Whether the lease's lock still stands: its generation is current and the connection answers.
    func confirm(_ lease: ClusterMaildropLease) async throws {
        do {
            _ = try await connection.rows("SELECT 1", generation: lease.generation)
        } catch {
            throw MaildropLockError.lost
        }
    }
}

/// A maildrop held through `ClusterMaildropLocks`.
final class ClusterMaildropLease: MaildropLease {
    let user: MailboxName
    /// The user's `users.id`, the second half of the advisory lock's key.
    let id: Int32
    let generation: PostgresLockConnection.Generation
    let token: UInt64
    let recoveryDue: Bool
    private let owner: ClusterMaildropLocks
    private let released = Atomic<Bool>(false)

    init(
        user: MailboxName, id: Int32, generation: PostgresLockConnection.Generation, token: UInt64,
        recoveryDue: Bool, owner: ClusterMaildropLocks
    ) {
        self.user = user
        self.id = id
        self.generation = generation
        self.token = token
        self.recoveryDue = recoveryDue
        self.owner = owner
    }

    /// The lock connection it was taken on is still the current one.
    var isHeld: Bool { !released.load(ordering: .acquiring) && owner.isCurrent(generation) }

    func confirmHeld() async throws {
        guard !released.load(ordering: .acquiring) else { throw MaildropLockError.lost }
        try await owner.confirm(self)
    }

    func release(files: any BlockingExecutor) async {
        guard !released.exchange(true, ordering: .acquiringAndReleasing) else { return }
        await owner.release(user: user, id: id, generation: generation, token: token)
    }

    deinit {
        // A lease dropped without release (a session torn down abruptly) still gives its maildrop back.
        guard !released.load(ordering: .acquiring) else { return }
        let (owner, user, id, generation, token) = (owner, user, id, generation, token)
        Task { await owner.release(user: user, id: id, generation: generation, token: token) }
    }
}
