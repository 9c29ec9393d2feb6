import Glibc
import Synchronization

/// Exclusive access to maildrops: an in-process table plus `flock` on `<maildrop>/.pop3d.lock`, so two
/// pop3d processes exclude each other and a killed process leaves no stale lock (the kernel drops it).
public final class MaildropLocks: Sendable {
    /// Name of the lock file inside a maildrop; a dot file, so the maildir scan ignores it.
    public static let lockFileName = ".pop3d.lock"

    /// Directories locked by this process.
    private let held = Mutex<Set<String>>([])

    public init() {}

    /// Locks the maildrop in `directory` (created with mode 0700 when missing, so the lock can precede
    /// the first scan). Throws `MaildropLockError.inUse` at once when another session holds it.
    public func acquire(user: MailboxName, directory: String) throws -> MaildropLock {
        guard held.withLock({ $0.insert(directory).inserted }) else { throw MaildropLockError.inUse }
        do {
            let descriptor = try Self.lockFile(in: directory)
            return MaildropLock(user: user, directory: directory, descriptor: descriptor, owner: self)
        } catch {
            forget(directory)
            throw error
        }
    }

    /// Whether this process holds the maildrop (for tests and the monitor).
    public func isHeld(directory: String) -> Bool {
        held.withLock { $0.contains(directory) }
    }

    func forget(_ directory: String) {
        _ = held.withLock { $0.remove(directory) }
    }

    private static func lockFile(in directory: String) throws -> Int32 {
        if mkdir(directory, 0o700) != 0 && errno != EEXIST {
            throw MaildropLockError.io("mkdir \(directory)", errno: errno)
        }
        let path = directory + "/" + lockFileName
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { throw MaildropLockError.io("open \(path)", errno: errno) }
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EINTR { continue }
            _ = close(descriptor)
            if code == EWOULDBLOCK { throw MaildropLockError.inUse }
            throw MaildropLockError.io("flock \(path)", errno: code)
        }
        return descriptor
    }
}
