import Glibc
public import Storage

/// The maildir root: user U's maildrop is `<root>/U/{cur,new,tmp}`. `open` is async: it reads and writes the
/// message index through its store and does the file work on `files`. The other methods block on file I/O; call
/// them on `files` (or another thread pool), never on an event loop.
public struct MaildirStore: Sendable {
    public let root: String
    public let index: (any MessageIndexStore)?
    /// Where UIDLs come from; `.dovecot` reads each maildrop's `dovecot-uidlist` at open.
    public let uidlSource: UIDLSource
    /// Where the blocking file work of `open` runs.
    public let files: any BlockingExecutor
    /// Keep-on-delete: a deleted message is not unlinked but marked with this maildir keyword (the way Dovecot's
    /// `pop3_deleted_flag` marks it), and a marked message is never listed again. nil: deletions unlink.
    public var hiddenKeyword: String?

    public init(
        root: String, index: (any MessageIndexStore)?, uidlSource: UIDLSource = .pop3d, files: any BlockingExecutor,
        hiddenKeyword: String? = nil
    ) {
        self.hiddenKeyword = hiddenKeyword
        self.root = root
        self.index = index
        self.uidlSource = uidlSource
        self.files = files
    }

    /// `<root>/<user>`, the folder that also holds the lock file.
    public func directory(for user: MailboxName) -> String {
        root + "/" + user.value
    }

    /// Creates the maildrop when missing (mode 0700), moves `new/` mail into `cur/` adding ":2,",
    /// and lists `cur/` with wire sizes, taken from the index when a file is unchanged.
    public func open(user: MailboxName) async throws -> Maildrop {
        let indexed = await indexedMessages(user: user)
        let scanned = try await files.run { [self] in try scan(user: user, indexed: indexed.rows) }
        return await learn(scanned, indexError: indexed.error)
    }

    /// The index's rows for `user`'s maildrop (nil rows when there is no index or it failed, and why).
    func indexedMessages(user: MailboxName) async -> (rows: [IndexedMessage]?, error: String?) {
        guard let index else { return (nil, nil) }
        do { return (try await index.indexedMessages(user: user), nil) } catch { return (nil, "\(error)") }
    }

    /// Writes what a scan measured into the index; a failure is noted in the statistics, not thrown (the index
    /// only saves reading files again).
    func learn(_ scanned: ScannedMaildrop, indexError: String?) async -> Maildrop {
        var maildrop = scanned.maildrop
        maildrop.statistics.indexError = indexError
        if let index, let update = scanned.indexUpdate {
            do { try await index.updateIndex(user: maildrop.user, upsert: update.upsert, remove: update.remove) } catch
            {
                maildrop.statistics.indexError = "\(error)"
            }
        }
        return maildrop
    }

    /// The blocking part of `open`: the scan, given the index's rows.
    func scan(user: MailboxName, indexed: [IndexedMessage]?) throws -> ScannedMaildrop {
        let directory = directory(for: user)
        let hidden = try hiddenKeyword.flatMap { try DovecotKeywords.read(maildrop: directory).letter(of: $0) }
        var scan = MaildropScan(
            directory: directory, user: user, indexed: indexed, uidlSource: uidlSource, hiddenLetter: hidden)
        let messages: [MaildropMessage]
        do {
            messages = try scan.run()
        } catch MaildirError.io(_, errno: ENOENT) {
            // Opening cur/ and new/ is the check: the folders are created only when one is missing (the
            // scan fails before it moves anything).
            for path in [root, directory, directory + "/cur", directory + "/new", directory + "/tmp"] {
                try FileSystem.ensureDirectory(path)
            }
            scan = MaildropScan(
                directory: directory, user: user, indexed: indexed, uidlSource: uidlSource, hiddenLetter: hidden)
            messages = try scan.run()
        }
        // A listing is written (and read) only without keep-on-delete: it does not record which keyword hid what,
        // so one written under another --keep-deleted-keyword would list or hide the wrong messages.
        if let stamps = scan.listingStamps, hiddenKeyword == nil {
            MaildropListing.write(
                messages, stamps: stamps, skippedEntries: scan.statistics.skippedEntries, directory: directory)
        }
        return ScannedMaildrop(
            maildrop: Maildrop(user: user, directory: directory, messages: messages, statistics: scan.statistics),
            indexUpdate: scan.indexUpdate)
    }

    /// `user`'s maildrop as its last scan listed it, when `cur/` and `new/` have not changed since (see
    /// `MaildropListing`); nil when it must be scanned. Blocking.
    func cachedListing(user: MailboxName) -> (maildrop: Maildrop, stamps: MaildropListing.Stamps)? {
        guard uidlSource == .pop3d, hiddenKeyword == nil else { return nil }
        let directory = directory(for: user)
        guard let cached = MaildropListing.read(directory: directory) else { return nil }
        var statistics = MaildropScanStatistics()
        statistics.skippedEntries = cached.skippedEntries
        statistics.fromListing = true
        let maildrop = Maildrop(user: user, directory: directory, messages: cached.messages, statistics: statistics)
        return (maildrop, cached.stamps)
    }

    /// Whether `user`'s folders still carry `stamps` (checked again once the maildrop is locked). Blocking.
    func foldersUnchanged(user: MailboxName, since stamps: MaildropListing.Stamps) -> Bool {
        MaildropListing.Stamps.now(directory: directory(for: user))?.sameFolders(as: stamps) ?? false
    }

    /// Opens a message for reading (see `MessageFolder.open`). To open several, open their folder once.
    public func openMessage(_ message: MaildropMessage, in maildrop: Maildrop) throws -> MessageReader {
        try MessageFolder(of: maildrop, in: self).open(message)
    }

    /// Unlinks a message by file name, else by base name. A file already gone is not an error, so crash
    /// recovery can repeat it. Returns whether a file was removed.
    @discardableResult
    public func removeMessage(user: MailboxName, baseName: String, fileName: String) throws -> Bool {
        try Self.checkPlainName(fileName)
        let cur = directory(for: user) + "/cur"
        // A `cur/` that is a link is refused here too: the journal's replay never unlinks outside the maildrop.
        let folder = try FileSystem.openFolder(cur)
        defer { Glibc.close(folder) }
        if let hiddenKeyword {
            let letter = try DovecotKeywords.letter(of: hiddenKeyword, addingTo: directory(for: user))
            if try hide(fileName, with: letter, in: folder, folderPath: cur) { return true }
            guard let renamed = try currentFileName(baseName: baseName, in: cur) else { return false }
            return try hide(renamed, with: letter, in: folder, folderPath: cur)
        }
        if try unlinkIfPresent(fileName, in: folder, folderPath: cur) { return true }
        guard let renamed = try currentFileName(baseName: baseName, in: cur) else { return false }
        return try unlinkIfPresent(renamed, in: folder, folderPath: cur)
    }

    /// A file changed in place (not the maildir way): the next open of the maildrop measures it again. Not
    /// awaited: the reader is served now, and a lost update only costs reading the file again.
    func forgetIndexedSize(of message: MaildropMessage, in maildrop: Maildrop) {
        MaildropListing.remove(directory: maildrop.directory)
        guard let index else { return }
        let user = maildrop.user
        let baseName = message.baseName
        Task { try? await index.updateIndex(user: user, upsert: [], remove: [baseName]) }
    }

    /// The name in `cur/` whose base name is `baseName`, if any.
    func currentFileName(baseName: String, in cur: String) throws -> String? {
        var skipped = 0
        let entries = try OpenDirectory(cur).entries(skipped: &skipped)
        return entries.map(\.name).filter { MaildropMessage.baseName(ofFileName: $0) == baseName }.min()
    }

    /// Keep-on-delete: the file gets the keyword's letter in its flags (a rename inside `cur/`), never `T`.
    private func hide(_ name: String, with letter: UInt8, in folder: Int32, folderPath: String) throws -> Bool {
        let hidden = MaildirFlags.adding(letter, to: name)
        if hidden == name { return true }
        if renameat(folder, name, folder, hidden) == 0 { return true }
        let code = errno
        if code == ENOENT { return false }
        throw MaildirError.failure("rename", path: folderPath + "/" + name, errno: code)
    }

    private func unlinkIfPresent(_ name: String, in folder: Int32, folderPath: String) throws -> Bool {
        if unlinkat(folder, name, 0) == 0 { return true }
        let code = errno
        if code == ENOENT { return false }
        throw MaildirError.failure("unlink", path: folderPath + "/" + name, errno: code)
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

/// A scan's result before the index has learnt from it.
struct ScannedMaildrop: Sendable {
    var maildrop: Maildrop
    var indexUpdate: MessageIndexUpdate?
}

/// Rows a scan measured (`upsert`) and base names it no longer found (`remove`).
struct MessageIndexUpdate: Sendable {
    var upsert: [IndexedMessage]
    var remove: [String]
}
