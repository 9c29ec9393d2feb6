import Glibc

/// A directory held open for one scan: entries come with the type `readdir` reports, and files inside are
/// looked up relative to the directory's descriptor, so a 50,000-file maildrop costs no path walk per file.
final class OpenDirectory {
    /// One name in the directory and what `readdir` says it is.
    struct Entry {
        enum Kind {
            case regularFile, directory, other
            /// The file system did not say: ask `status(of:)` (which does not follow a symlink).
            case unknown
        }

        var name: String
        var kind: Kind
    }

    let path: String
    private let stream: OpaquePointer

    /// Opens the folder at `path`, which must not be a symbolic link (see `FileSystem.openFolder`).
    init(_ path: String) throws {
        let descriptor = try FileSystem.openFolder(path)
        guard let stream = fdopendir(descriptor) else {
            let code = errno
            Glibc.close(descriptor)
            throw MaildirError.failure("opendir", path: path, errno: code)
        }
        self.path = path
        self.stream = stream
    }

    deinit { closedir(stream) }

    private var descriptor: Int32 { dirfd(stream) }

    /// Every entry but "." and "..". Names that are not valid UTF-8 cannot be named in a POP3 session, so
    /// they are counted in `skipped` and left alone.
    func entries(skipped: inout Int) throws -> [Entry] {
        rewinddir(stream)
        var entries: [Entry] = []
        while true {
            errno = 0
            guard let entry = readdir(stream) else {
                if errno != 0 { throw MaildirError.failure("readdir", path: path, errno: errno) }
                return entries
            }
            let name: String? = withUnsafeBytes(of: &entry.pointee.d_name) { raw in
                let length = raw.firstIndex(of: 0) ?? raw.count
                return String(validating: raw[..<length], as: UTF8.self)
            }
            guard let name else {
                skipped += 1
                continue
            }
            if name == "." || name == ".." { continue }
            entries.append(Entry(name: name, kind: Self.kind(ofType: entry.pointee.d_type)))
        }
    }

    /// Status of `name` (following symlinks), or nil when it does not exist.
    func status(of name: String) throws -> FileSystem.Status? {
        var info = stat()
        guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw MaildirError.failure("stat", path: path + "/" + name, errno: code)
        }
        return FileSystem.Status(info)
    }

    /// Whether `entry` is a regular file, asking the file system only when `readdir` did not say.
    func isRegularFile(_ entry: Entry) throws -> Bool {
        switch entry.kind {
        case .regularFile: return true
        case .directory, .other: return false
        case .unknown: return try status(of: entry.name)?.isRegularFile ?? false
        }
    }

    /// Opens `name` read-only without following a symlink; nil when it does not exist or is a symlink.
    func openForReading(_ name: String) throws -> Int32? {
        while true {
            // Never through a symlink, and never waiting on a FIFO swapped in since `readdir`.
            let opened = openat(descriptor, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
            if opened >= 0 { return opened }
            let code = errno
            if code == EINTR { continue }
            if code == ENOENT || code == ELOOP { return nil }
            throw MaildirError.failure("open", path: path + "/" + name, errno: code)
        }
    }

    /// Renames `name` to `target` in `destination`. Returns false when `name` is gone (another session
    /// moved it first).
    func move(_ name: String, to destination: OpenDirectory, as target: String) throws -> Bool {
        if renameat(descriptor, name, destination.descriptor, target) == 0 { return true }
        let code = errno
        if code == ENOENT { return false }
        throw MaildirError.failure("rename", path: path + "/" + name, errno: code)
    }

    private static func kind(ofType type: UInt8) -> Entry.Kind {
        switch Int(type) {
        case Int(DT_REG): return .regularFile
        case Int(DT_DIR): return .directory
        case Int(DT_UNKNOWN): return .unknown
        // A symlink is never a message: it could point at any file the server can read.
        default: return .other
        }
    }
}
