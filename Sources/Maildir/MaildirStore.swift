import Glibc
public import Storage

/// The maildir root: user U's maildrop is `<root>/U/{cur,new,tmp}`. Every method blocks on file I/O;
/// call them from a thread pool, never from an event loop.
public struct MaildirStore: Sendable {
    public let root: String
    public let index: (any MessageIndexStore)?
    /// Where UIDLs come from; `.dovecot` reads each maildrop's `dovecot-uidlist` at open.
    public let uidlSource: UIDLSource

    public init(root: String, index: (any MessageIndexStore)?, uidlSource: UIDLSource = .pop3d) {
        self.root = root
        self.index = index
        self.uidlSource = uidlSource
    }

    /// `<root>/<user>`, the folder that also holds the lock file.
    public func directory(for user: MailboxName) -> String {
        root + "/" + user.value
    }

    /// Creates the maildrop when missing (mode 0700), moves `new/` mail into `cur/` adding ":2,",
    /// and lists `cur/` with wire sizes, taken from the index when a file is unchanged.
    public func open(user: MailboxName) throws -> Maildrop {
        let directory = directory(for: user)
        var scan = MaildropScan(directory: directory, user: user, index: index, uidlSource: uidlSource)
        let messages: [MaildropMessage]
        do {
            messages = try scan.run()
        } catch MaildirError.io(_, errno: ENOENT) {
            // Opening cur/ and new/ is the check: the folders are created only when one is missing (the
            // scan fails before it moves anything).
            for path in [directory, directory + "/cur", directory + "/new", directory + "/tmp"] {
                try FileSystem.ensureDirectory(path)
            }
            scan = MaildropScan(directory: directory, user: user, index: index, uidlSource: uidlSource)
            messages = try scan.run()
        }
        return Maildrop(user: user, directory: directory, messages: messages, statistics: scan.statistics)
    }

    /// Opens a message for reading. When its file was renamed (flags changed by another program),
    /// the file in `cur/` with the same base name is opened instead.
    public func openMessage(_ message: MaildropMessage, in maildrop: Maildrop) throws -> MessageReader {
        let cur = maildrop.directory + "/cur"
        var fileName = message.fileName
        var path = cur + "/" + fileName
        var descriptor = try FileSystem.openForReading(path)
        if descriptor == nil, let renamed = try currentFileName(baseName: message.baseName, in: cur) {
            fileName = renamed
            path = cur + "/" + renamed
            descriptor = try FileSystem.openForReading(path)
        }
        guard let descriptor else { throw MaildirError.messageVanished(message.baseName) }
        do {
            let status = try FileSystem.status(descriptor: descriptor, path: path)
            guard status.isRegularFile else { throw MaildirError.messageVanished(message.baseName) }
            if status.size != message.fileSize { forgetIndexedSize(of: message, in: maildrop) }
            return MessageReader(descriptor: descriptor, fileName: fileName, path: path, fileSize: Int(status.size))
        } catch {
            _ = Glibc.close(descriptor)
            throw error
        }
    }

    /// Unlinks a message by file name, else by base name. A file already gone is not an error, so crash
    /// recovery can repeat it. Returns whether a file was removed.
    @discardableResult
    public func removeMessage(user: MailboxName, baseName: String, fileName: String) throws -> Bool {
        try Self.checkPlainName(fileName)
        let cur = directory(for: user) + "/cur"
        if try unlinkIfPresent(cur + "/" + fileName) { return true }
        guard let renamed = try currentFileName(baseName: baseName, in: cur) else { return false }
        return try unlinkIfPresent(cur + "/" + renamed)
    }

    /// A file changed in place (not the maildir way): the next open of the maildrop measures it again.
    private func forgetIndexedSize(of message: MaildropMessage, in maildrop: Maildrop) {
        try? index?.updateIndex(user: maildrop.user.value, upsert: [], remove: [message.baseName])
    }

    /// The name in `cur/` whose base name is `baseName`, if any.
    private func currentFileName(baseName: String, in cur: String) throws -> String? {
        var skipped = 0
        let entries = try OpenDirectory(cur).entries(skipped: &skipped)
        return entries.map(\.name).filter { MaildropMessage.baseName(ofFileName: $0) == baseName }.min()
    }

    private func unlinkIfPresent(_ path: String) throws -> Bool {
        if unlink(path) == 0 { return true }
        let code = errno
        if code == ENOENT { return false }
        throw MaildirError.failure("unlink", path: path, errno: code)
    }

    /// Names come from the journal; refuse anything that could leave `cur/`.
    private static func checkPlainName(_ name: String) throws {
        if name.isEmpty || name == "." || name == ".." || name.utf8.contains(UInt8(ascii: "/"))
            || name.utf8.contains(0)
        {
            throw MaildirError.invalidFileName(name)
        }
    }
}
