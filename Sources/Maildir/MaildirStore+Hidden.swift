import Glibc
public import Storage

/// A message keep-on-delete hid: still on disk, marked with the keyword.
public struct HiddenMessage: Sendable, Equatable {
    public let fileName: String
    public let size: Int64
    /// When it was hidden, as far as the file system tells: the last change of its name (ctime), Unix seconds.
    public let hiddenAt: Int64
}

/// Keep-on-delete's archive, for the operator: list the hidden messages of a maildrop, and remove those hidden
/// long enough. Both block on file I/O; run them on `files`.
extension MaildirStore {
    /// The hidden messages of `user`'s maildrop, by file name; empty when it has none (or no maildrop).
    public func hiddenMessages(user: MailboxName) throws -> [HiddenMessage] {
        guard let hiddenKeyword else { return [] }
        let directory = directory(for: user)
        guard let letter = try DovecotKeywords.read(maildrop: directory).letter(of: hiddenKeyword) else { return [] }
        let cur = directory + "/cur"
        guard try FileSystem.status(cur) != nil else { return [] }
        let folder = try FileSystem.openFolder(cur)
        defer { close(folder) }
        var skipped = 0
        return try OpenDirectory(cur).entries(skipped: &skipped).compactMap { entry in
            guard !entry.name.hasPrefix("."), MaildirFlags.contains(letter, in: entry.name) else { return nil }
            var status = stat()
            guard fstatat(folder, entry.name, &status, AT_SYMLINK_NOFOLLOW) == 0,
                status.st_mode & S_IFMT == S_IFREG
            else { return nil }
            return HiddenMessage(
                fileName: entry.name, size: Int64(status.st_size), hiddenAt: Int64(status.st_ctim.tv_sec))
        }.sorted { $0.fileName < $1.fileName }
    }

    /// Removes the hidden messages of `user`'s maildrop hidden at or before `cutoff` (Unix seconds); returns how many.
    /// Sessions never list them, so this needs no maildrop lock.
    public func purgeHidden(user: MailboxName, hiddenBefore cutoff: Int64) throws -> Int {
        let cur = directory(for: user) + "/cur"
        let due = try hiddenMessages(user: user).filter { $0.hiddenAt <= cutoff }
        guard !due.isEmpty else { return 0 }
        let folder = try FileSystem.openFolder(cur)
        defer { close(folder) }
        var removed = 0
        for message in due {
            if unlinkat(folder, message.fileName, 0) == 0 {
                removed += 1
            } else if errno != ENOENT {
                throw MaildirError.failure("unlink", path: cur + "/" + message.fileName, errno: errno)
            }
        }
        return removed
    }
}
