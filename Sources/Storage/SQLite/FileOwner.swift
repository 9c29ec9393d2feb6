public import Glibc

/// The account a root process is about to become. Given one, the database is opened the way root must open a file
/// in a folder that account controls: no symbolic link is followed anywhere in the path, the files are checked to
/// be regular files, and they are handed to the account through their descriptors, never by name.
public struct FileOwner: Sendable, Equatable {
    public var uid: uid_t
    public var gid: gid_t

    public init(uid: uid_t, gid: gid_t) {
        self.uid = uid
        self.gid = gid
    }

    /// Opens `path` without following a symbolic link in any of its components (creating it with `mode` when
    /// `creating`), checks that it is a regular file, and gives it to this owner. Returns false when it does not
    /// exist and is not to be created.
    @discardableResult
    public func adopt(_ path: String, creating: Bool, mode: mode_t = 0o600) throws(StorageError) -> Bool {
        let flags = O_RDWR | O_NONBLOCK | (creating ? O_CREAT : 0)
        let descriptor = Self.openWithoutLinks(path, flags: flags, mode: mode)
        guard descriptor >= 0 else {
            if errno == ENOENT && !creating { return false }
            throw Self.failure(path, errno)
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            throw .cannotOpen(path: path, reason: "not a regular file")
        }
        guard fchown(descriptor, uid, gid) == 0 else {
            throw .cannotOpen(path: path, reason: "cannot hand it to uid \(uid): \(String(cString: strerror(errno)))")
        }
        return true
    }

    /// `open(path, flags, mode)`, except that no symbolic link is followed, in the folders on the way either:
    /// O_NOFOLLOW alone guards only the last component. The caller closes the descriptor.
    public static func openFollowingNoLink(_ path: String, flags: Int32, mode: mode_t = 0o600) throws(StorageError)
        -> Int32
    {
        let descriptor = openWithoutLinks(path, flags: flags, mode: mode)
        guard descriptor >= 0 else { throw failure(path, errno) }
        return descriptor
    }

    /// The descriptor, or -1 with errno set.
    private static func openWithoutLinks(_ path: String, flags: Int32, mode: mode_t) -> Int32 {
        var components = path.split(separator: "/").map(String.init)
        guard let name = components.popLast() else {
            errno = EISDIR
            return -1
        }
        var folder = open(path.hasPrefix("/") ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        for component in components where folder >= 0 {
            let next = openat(folder, component, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let code = errno
            close(folder)
            folder = next
            errno = code
        }
        guard folder >= 0 else { return -1 }
        let descriptor = openat(folder, name, flags | O_NOFOLLOW | O_CLOEXEC, mode)
        let code = errno
        close(folder)
        errno = code
        return descriptor
    }

    private static func failure(_ path: String, _ code: Int32) -> StorageError {
        // ELOOP: the last component is a link; ENOTDIR: a folder on the way is one (O_DIRECTORY | O_NOFOLLOW).
        if code == ELOOP || code == ENOTDIR {
            return .cannotOpen(path: path, reason: "a symbolic link is in its path (pop3d as root follows none)")
        }
        return .cannotOpen(path: path, reason: String(cString: strerror(code)))
    }
}
