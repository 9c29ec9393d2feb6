public import Storage

/// Gives one session at a time a user's maildrop. `MaildropLocks` (a file lock) excludes the sessions of every
/// pop3d on one machine; on PostgreSQL a cluster-wide lock takes its place.
public protocol MaildropLock: Sendable {
    /// Takes the maildrop in `directory` for `user` (creating the folder on a first login), or throws
    /// `MaildropLockError.inUse` at once when another session holds it. Blocking file work runs on `files`.
    func acquire(user: MailboxName, directory: String, files: any BlockingExecutor) async throws
        -> any MaildropLease
}

/// A maildrop held by one session until it is released (idempotent; a lease also gives it back when freed).
public protocol MaildropLease: AnyObject, Sendable {
    var user: MailboxName { get }
    /// The deletion journal holds rows of this user's earlier sessions, which must be finished (committing) or
    /// dropped (pending) before the maildrop is read. A lock that leaves that to start-up says false.
    var recoveryDue: Bool { get }
    /// False once the lock is known to be lost (without asking anyone): a login that finds it so refuses the maildrop.
    var isHeld: Bool { get }
    /// Throws when the maildrop may no longer be this session's alone: called right before files are unlinked.
    func confirmHeld() async throws
    /// Gives the maildrop back; returns once another session may take it. Blocking file work runs on `files`.
    func release(files: any BlockingExecutor) async
}
