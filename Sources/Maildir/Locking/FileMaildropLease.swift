import Glibc
public import Storage
import Synchronization

/// A maildrop held through `MaildropLocks` (a file lock). `release()` is idempotent and also runs when the lease is
/// freed.
public final class FileMaildropLease: MaildropLease {
    /// What the kernel holds for this lock.
    enum Hold: Sendable {
        /// A byte of the maildir root's shared lock file.
        case sharedFile(SharedLockFile, offset: Int64)
        /// The maildrop's own lock file, under `flock`.
        case ownFile(Int32)
    }

    public let user: MailboxName
    public let directory: String
    /// nil once released.
    private let hold: Mutex<Hold?>
    private let owner: MaildropLocks

    init(user: MailboxName, directory: String, hold: Hold, owner: MaildropLocks) {
        self.user = user
        self.directory = directory
        self.hold = Mutex(hold)
        self.owner = owner
    }

    deinit { release() }

    /// Start-up recovery finishes the journal before anything is served.
    public var recoveryDue: Bool { false }

    /// The kernel holds the lock for as long as this process lives.
    public var isHeld: Bool { true }

    public func confirmHeld() async throws {}

    public func release(files: any BlockingExecutor) async {
        // Unlocking closes a file: on the pool, or here when the pool has stopped.
        if (try? await files.run({ self.release() })) == nil { release() }
    }

    /// Drops the kernel lock first, then the table entry, so a waiting acquire never sees a half-released lock.
    public func release() {
        let wasHeld = hold.withLock { hold in
            switch hold {
            case nil: return false
            case .sharedFile(let file, let offset): file.unlock(offset: offset)
            case .ownFile(let descriptor):
                _ = flock(descriptor, LOCK_UN)
                _ = close(descriptor)
            }
            hold = nil
            return true
        }
        if wasHeld { owner.forget(directory) }
    }
}
