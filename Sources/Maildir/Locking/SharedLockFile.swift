import Glibc

/// One lock file for many maildrops: each maildrop is one byte, write-locked with an open-file-description
/// lock. Such locks belong to this descriptor, not to a thread or a process's other descriptors, and they
/// conflict with every other open of the file, including another process's `fcntl` or `lockf` locks.
final class SharedLockFile: Sendable {
    enum Outcome {
        case locked, busy
        /// The file system refuses such locks; use another kind.
        case unsupported
    }

    /// Offsets stay below 2^62, well inside `off_t`.
    static let maximumOffset: UInt64 = (1 << 62) - 1

    // Linux's values (asm-generic/fcntl.h, the same on every architecture); Glibc's module does not export them.
    private static let setLock: Int32 = 37  // F_OFD_SETLK

    let root: String
    private let descriptor: Int32

    /// Opens (creating with mode 0600) `<root>/.pop3d.lock`; nil when it cannot be opened, e.g. a read-only root.
    init?(root: String) {
        let descriptor = open(root + "/" + MaildropLocks.lockFileName, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { return nil }
        self.root = root
        self.descriptor = descriptor
    }

    deinit { _ = close(descriptor) }

    func lock(offset: Int64) throws -> Outcome {
        while true {
            if apply(type: F_WRLCK, offset: offset) == 0 { return .locked }
            switch errno {
            case EINTR: continue
            case EAGAIN, EACCES: return .busy
            case EINVAL, ENOLCK, EOPNOTSUPP: return .unsupported
            case let code: throw MaildropLockError.io("lock \(root)/\(MaildropLocks.lockFileName)", errno: code)
            }
        }
    }

    func unlock(offset: Int64) {
        while apply(type: F_UNLCK, offset: offset) != 0 && errno == EINTR {}
    }

    private func apply(type: Int32, offset: Int64) -> Int32 {
        var range = flock()
        range.l_type = Int16(type)
        range.l_whence = Int16(SEEK_SET)
        range.l_start = off_t(offset)
        range.l_len = 1
        range.l_pid = 0  // required by F_OFD_* locks
        return fcntl(descriptor, Self.setLock, &range)
    }
}
