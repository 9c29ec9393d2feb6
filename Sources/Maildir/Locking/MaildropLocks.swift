import Glibc
public import Storage
import Synchronization

/// Exclusive access to maildrops: an in-process table plus a kernel lock, so two pop3d processes exclude each
/// other and a killed process leaves no stale lock (the kernel drops it when the process dies).
///
/// The kernel lock is one byte of the maildir root's `.pop3d.lock`, at the offset of the maildrop folder's
/// inode number, taken with an open-file-description lock (`F_OFD_SETLK`). All sessions share that one
/// descriptor, so an idle session costs its socket and nothing else. When the root's lock file cannot be
/// used (a read-only root, a file system without such locks), each maildrop gets its own `.pop3d.lock`
/// held with `flock`, one descriptor per session.
public final class MaildropLocks: MaildropLock {
    /// Name of the lock file in the maildir root and (fallback) in a maildrop; a dot file, so neither the
    /// maildir scan nor a user name can collide with it.
    public static let lockFileName = ".pop3d.lock"

    /// Directories locked by this process.
    private let held = Mutex<Set<String>>([])
    /// Per maildir root: the shared lock file, or nil once it proved unusable.
    private let sharedFiles = Mutex<[String: SharedLockFile?]>([:])

    public init() {}

    public func acquire(user: MailboxName, directory: String, files: any BlockingExecutor) async throws
        -> any MaildropLease
    {
        try await files.run { try self.acquire(user: user, directory: directory) }
    }

    /// Locks the maildrop in `directory` (created with mode 0700 when missing, so the lock can precede
    /// the first scan). Throws `MaildropLockError.inUse` at once when another session holds it. Blocks on the file
    /// system: call it on a thread pool.
    public func acquire(user: MailboxName, directory: String) throws -> FileMaildropLease {
        guard held.withLock({ $0.insert(directory).inserted }) else { throw MaildropLockError.inUse }
        do {
            let root = Self.root(of: directory)
            let inode = try Self.inodeCreatingIfMissing(directory, root: root)
            let hold =
                try lockInSharedFile(root: root, inode: inode)
                ?? FileMaildropLease.Hold.ownFile(Self.lockOwnFile(in: directory))
            return FileMaildropLease(user: user, directory: directory, hold: hold, owner: self)
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

    /// The folder holding the maildrop: the maildir root.
    private static func root(of directory: String) -> String {
        guard let slash = directory.utf8.lastIndex(of: UInt8(ascii: "/")) else { return "." }
        let root = String(directory[..<slash])
        return root.isEmpty ? "/" : root
    }

    /// The maildrop folder's inode number. A first login creates the folder (mode 0700), and on a new server the
    /// maildir root too; otherwise this is the login's only look at the folder.
    private static func inodeCreatingIfMissing(_ directory: String, root: String) throws -> UInt64 {
        var info = stat()
        if stat(directory, &info) == 0 { return UInt64(info.st_ino) }
        guard errno == ENOENT else { throw MaildropLockError.io("stat \(directory)", errno: errno) }
        try FileSystem.ensureDirectory(root)
        try FileSystem.ensureDirectory(directory)
        guard stat(directory, &info) == 0 else { throw MaildropLockError.io("stat \(directory)", errno: errno) }
        return UInt64(info.st_ino)
    }

    /// The lock as a byte of the root's shared file; nil when that file cannot be used here.
    private func lockInSharedFile(root: String, inode: UInt64) throws -> FileMaildropLease.Hold? {
        guard let file = sharedFile(root: root) else { return nil }
        let offset = Int64(truncatingIfNeeded: inode & SharedLockFile.maximumOffset)
        switch try file.lock(offset: offset) {
        case .locked: return .sharedFile(file, offset: offset)
        case .busy: throw MaildropLockError.inUse
        case .unsupported:
            sharedFiles.withLock { $0[root] = .some(nil) }
            return nil
        }
    }

    private func sharedFile(root: String) -> SharedLockFile? {
        sharedFiles.withLock { files in
            if let known = files[root] { return known }
            let opened = SharedLockFile(root: root)
            files[root] = opened
            return opened
        }
    }

    private static func lockOwnFile(in directory: String) throws -> Int32 {
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
