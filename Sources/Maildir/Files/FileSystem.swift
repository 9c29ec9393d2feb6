import Glibc

/// Thin blocking wrappers over the POSIX calls the maildir layer needs, throwing `MaildirError`.
enum FileSystem {
    /// What `stat` says about one file.
    struct Status {
        var isDirectory: Bool
        var isRegularFile: Bool
        var size: Int64
        /// Nanoseconds since 1970.
        var modificationTime: Int64
    }

    /// Status of `path` (following symlinks), or nil when it does not exist.
    static func status(_ path: String) throws -> Status? {
        var info = stat()
        guard stat(path, &info) == 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw MaildirError.failure("stat", path: path, errno: code)
        }
        return Status(info)
    }

    /// Status of an open descriptor.
    static func status(descriptor: Int32, path: String) throws -> Status {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw MaildirError.failure("fstat", path: path, errno: errno) }
        return Status(info)
    }

    /// Makes sure `path` is a directory, creating it with mode 0700 when missing.
    static func ensureDirectory(_ path: String) throws {
        if mkdir(path, 0o700) == 0 { return }
        let code = errno
        guard code == EEXIST else { throw MaildirError.failure("mkdir", path: path, errno: code) }
        guard let existing = try status(path), existing.isDirectory else { throw MaildirError.notADirectory(path) }
    }

    /// Opens a maildrop's folder (`cur/`, `new/`) for `openat` and friends. A symbolic link there is refused
    /// (`notADirectory`): whoever writes the maildrop could otherwise point the folder at any directory the server
    /// can read, and have its files listed, served and deleted.
    static func openFolder(_ path: String) throws -> Int32 {
        while true {
            let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if descriptor >= 0 { return descriptor }
            let code = errno
            if code != EINTR { throw MaildirError.failure("open", path: path, errno: code) }
        }
    }

    /// Opens a file read-only by path (the last component never a symlink); nil when it does not exist or is one.
    static func openForReading(_ path: String) throws -> Int32? {
        try openForReading(path, in: AT_FDCWD, folderPath: nil)
    }

    /// Opens `name` in the open folder `folder` read-only; nil when it does not exist or is a symlink.
    static func openForReading(_ name: String, in folder: Int32, folderPath: String?) throws -> Int32? {
        while true {
            // Never through a symlink (ELOOP), and never blocked by a FIFO; the caller serves regular files only.
            let descriptor = openat(folder, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            if descriptor >= 0 { return descriptor }
            let code = errno
            if code == EINTR { continue }
            if code == ENOENT || code == ELOOP { return nil }
            throw MaildirError.failure("open", path: folderPath.map { $0 + "/" + name } ?? name, errno: code)
        }
    }

    /// `read(2)` retried on EINTR.
    static func read(_ descriptor: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            let code = errno
            if code != EINTR { throw MaildirError.failure("read", path: path, errno: code) }
        }
    }
}

extension FileSystem.Status {
    init(_ info: stat) {
        let type = info.st_mode & S_IFMT
        isDirectory = type == S_IFDIR
        isRegularFile = type == S_IFREG
        size = Int64(info.st_size)
        modificationTime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
    }
}
