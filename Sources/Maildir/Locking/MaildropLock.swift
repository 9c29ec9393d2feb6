public import Storage

/// Gives one session at a time a user's maildrop. The file lock (`MaildropLocks`) excludes sessions of every
/// pop3d on one machine; a cluster-wide lock can take its place behind this protocol.
public protocol MaildropLock: Sendable {
    /// Takes the maildrop in `directory` for `user`, or throws `MaildropLockError.inUse` at once when another
    /// session holds it.
    func acquire(user: MailboxName, directory: String) throws -> any MaildropLease
}

/// A maildrop held by one session until `release()` (idempotent; also when the lease is freed).
public protocol MaildropLease: AnyObject, Sendable {
    var user: MailboxName { get }
    func release()
}
