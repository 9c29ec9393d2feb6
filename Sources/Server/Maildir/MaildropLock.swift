import Glibc
import Synchronization

/// A held maildrop lock. `release()` is idempotent and also runs when the lock is freed.
public final class MaildropLock: Sendable {
    public let user: MailboxName
    public let directory: String
    /// The locked descriptor, -1 once released.
    private let descriptor: Mutex<Int32>
    private let owner: MaildropLocks

    init(user: MailboxName, directory: String, descriptor: Int32, owner: MaildropLocks) {
        self.user = user
        self.directory = directory
        self.descriptor = Mutex(descriptor)
        self.owner = owner
    }

    deinit { release() }

    /// Drops the flock first, then the table entry, so a waiting acquire never sees a half-released lock.
    public func release() {
        let wasHeld = descriptor.withLock { descriptor in
            guard descriptor >= 0 else { return false }
            _ = flock(descriptor, LOCK_UN)
            _ = close(descriptor)
            descriptor = -1
            return true
        }
        if wasHeld { owner.forget(directory) }
    }
}
