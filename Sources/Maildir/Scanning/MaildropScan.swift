import Glibc
import POP3Core
import Storage

/// One scan of a maildrop: moves new mail, lists `cur/`, sizes each message (index row or file), orders them.
/// A maildrop the index knows costs two `readdir` passes and no per-file system call. Blocking file work only:
/// the index rows come in from the caller, and the rows to write back go out in `indexUpdate`.
struct MaildropScan {
    let directory: String
    let user: MailboxName
    /// The index's rows for this maildrop; nil when there is no index (or it could not be read).
    let indexed: [IndexedMessage]?
    let uidlSource: UIDLSource
    /// Keep-on-delete: files with this flag letter were deleted by POP3 and are never listed.
    let hiddenLetter: UInt8?
    private(set) var statistics = MaildropScanStatistics()
    /// What the index should learn from this scan; nil when it has nothing to learn.
    private(set) var indexUpdate: MessageIndexUpdate?
    /// The folders' stamps taken before `cur/` was read, when they may be trusted for a `MaildropListing`.
    private(set) var listingStamps: MaildropListing.Stamps?

    init(
        directory: String, user: MailboxName, indexed: [IndexedMessage]?, uidlSource: UIDLSource = .pop3d,
        hiddenLetter: UInt8? = nil
    ) {
        self.hiddenLetter = hiddenLetter
        self.directory = directory
        self.user = user
        self.indexed = indexed
        self.uidlSource = uidlSource
    }

    /// A regular file found in `cur/`.
    private struct Entry {
        var fileName: String
        var baseName: String
        var fileSize: Int64 = 0
        /// Nanoseconds since 1970.
        var modificationTime: Int64 = 0
        var wireSize = 0
        /// False when the file vanished before it could be measured.
        var isPresent = true
    }

    /// What orders one entry, computed once so that comparisons touch no string unless two keys tie.
    private struct SortKey {
        /// Dovecot's UID (`UIDLSource.dovecot`); `.max` for messages it never saw, and always in pop3d's order.
        var dovecotUID: UInt32
        var deliveryTime: Int64
        /// Where the entry is in the scan's array.
        var position: Int
    }

    private static let readChunkSize = 64 * 1024

    mutating func run() throws -> [MaildropMessage] {
        let cur = try OpenDirectory(directory + "/cur")
        let new = try OpenDirectory(directory + "/new")
        try moveNewMail(from: new, to: cur)
        listingStamps = try settledStamps(new: new)
        var entries = try listMessages(in: cur)
        try sizeMessages(&entries, in: cur)
        let dovecot = uidlSource == .dovecot ? dovecotUIDList() : nil
        let order = Self.order(entries, dovecot: dovecot)
        var usedUIDLs = Set<String>(minimumCapacity: order.count)
        var messages: [MaildropMessage] = []
        messages.reserveCapacity(order.count)
        for position in order {
            let entry = entries[position]
            var uidl = UIDL.forBaseName(entry.baseName)
            if let record = dovecot?.records[entry.baseName], !usedUIDLs.contains(record.uidl) {
                uidl = record.uidl
                statistics.dovecotUIDLs += 1
            }
            // Two files with one base name (or a base name that looks like a hash) must still differ.
            if !usedUIDLs.insert(uidl).inserted {
                uidl = UIDL.hashed("file:" + entry.fileName)
                usedUIDLs.insert(uidl)
            }
            messages.append(
                MaildropMessage(
                    fileName: entry.fileName, baseName: entry.baseName, uidl: uidl, wireSize: entry.wireSize,
                    fileSize: entry.fileSize))
        }
        return messages
    }

    /// Positions of the present entries in message-number order. Dovecot numbers messages in UID order (the
    /// ones it never saw come after); pop3d in delivery order: the base name's leading timestamp (else the
    /// mtime's second), then the base name, then the file name.
    private static func order(_ entries: [Entry], dovecot: DovecotUIDList?) -> [Int] {
        var keys: [SortKey] = []
        keys.reserveCapacity(entries.count)
        for (position, entry) in entries.enumerated() where entry.isPresent {
            keys.append(
                SortKey(
                    dovecotUID: dovecot?.records[entry.baseName]?.uid ?? .max,
                    deliveryTime: deliveryTime(entry), position: position))
        }
        keys.sort { left, right in
            if left.dovecotUID != right.dovecotUID { return left.dovecotUID < right.dovecotUID }
            if left.deliveryTime != right.deliveryTime { return left.deliveryTime < right.deliveryTime }
            let leftEntry = entries[left.position]
            let rightEntry = entries[right.position]
            if leftEntry.baseName != rightEntry.baseName {
                return leftEntry.baseName.utf8.lexicographicallyPrecedes(rightEntry.baseName.utf8)
            }
            return leftEntry.fileName.utf8.lexicographicallyPrecedes(rightEntry.fileName.utf8)
        }
        return keys.map(\.position)
    }

    /// The maildrop's `dovecot-uidlist`, or nil when it is missing or unusable (then noted in the statistics).
    private mutating func dovecotUIDList() -> DovecotUIDList? {
        do { return try DovecotUIDList.read(maildrop: directory) } catch {
            statistics.uidListError = "\(error)"
            return nil
        }
    }

    /// The stamps of `cur/` and `new/`, taken after the move and before `cur/` is listed, when a listing may be kept
    /// under them: pop3d's own UIDLs, both folders settled (see `FolderStamp.isSettled`), and nothing left in `new/`
    /// that a scan would move (a delivery between the move and the stamp would otherwise be missed).
    private func settledStamps(new: OpenDirectory) throws -> MaildropListing.Stamps? {
        guard uidlSource == .pop3d, let stamps = MaildropListing.Stamps.now(directory: directory), stamps.isSettled
        else { return nil }
        var skipped = 0
        for entry in try new.entries(skipped: &skipped) where !entry.name.hasPrefix(".") {
            if try new.isRegularFile(entry) { return nil }
        }
        return stamps
    }

    /// Dovecot's move: `new/x` becomes `cur/x:2,`. Never overwrites a file in `cur/`.
    private mutating func moveNewMail(from new: OpenDirectory, to cur: OpenDirectory) throws {
        for entry in try new.entries(skipped: &statistics.skippedEntries) {
            let target = entry.name.contains(":") ? entry.name : entry.name + ":2,"
            guard !entry.name.hasPrefix("."), try new.isRegularFile(entry), try cur.status(of: target) == nil else {
                statistics.skippedEntries += 1
                continue
            }
            if try new.move(entry.name, to: cur, as: target) { statistics.movedFromNew += 1 }
        }
    }

    /// The regular files in `cur/`, named only: `readdir` says which are files, so nothing is stat-ed.
    private mutating func listMessages(in cur: OpenDirectory) throws -> [Entry] {
        var entries: [Entry] = []
        for entry in try cur.entries(skipped: &statistics.skippedEntries) {
            guard !entry.name.hasPrefix("."), try cur.isRegularFile(entry) else {
                statistics.skippedEntries += 1
                continue
            }
            if let hiddenLetter, MaildirFlags.contains(hiddenLetter, in: entry.name) {
                statistics.hiddenMessages += 1
                continue
            }
            entries.append(Entry(fileName: entry.name, baseName: MaildropMessage.baseName(ofFileName: entry.name)))
        }
        return entries
    }

    /// Takes sizes from the index by base name, as Dovecot does: maildir message files never change, only
    /// their names. A row is not trusted when the name's `S=` field disagrees with it; a file changed in
    /// place anyway is caught when it is next opened (`MaildirStore.openMessage` drops its row). The other
    /// files are read once and their sizes written back (and rows of files that are gone forgotten) in one call.
    private mutating func sizeMessages(_ entries: inout [Entry], in cur: OpenDirectory) throws {
        let rows = indexed ?? []
        var rowByBaseName = [String: Int](minimumCapacity: rows.count)
        for (position, row) in rows.enumerated() { rowByBaseName[row.baseName] = position }
        var rowSeen = [Bool](repeating: false, count: rows.count)
        var measuredBaseNames = Set<String>()
        var upsert: [IndexedMessage] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readChunkSize, alignment: 1)
        defer { buffer.deallocate() }
        for position in entries.indices {
            let baseName = entries[position].baseName
            // Only the first file of a base name may use or replace its row.
            let firstOfBaseName: Bool
            if let rowPosition = rowByBaseName[baseName] {
                firstOfBaseName = !rowSeen[rowPosition]
                rowSeen[rowPosition] = true
                let row = rows[rowPosition]
                if firstOfBaseName,
                    MaildropMessage.sizeField(ofFileName: entries[position].fileName).map({ $0 == row.fileSize })
                        ?? true
                {
                    entries[position].fileSize = row.fileSize
                    entries[position].modificationTime = row.modificationTime
                    entries[position].wireSize = Int(row.wireSize)
                    statistics.indexHits += 1
                    continue
                }
            } else {
                firstOfBaseName = measuredBaseNames.insert(baseName).inserted
            }
            guard let measured = try measure(entries[position].fileName, in: cur, buffer: buffer) else {
                entries[position].isPresent = false
                statistics.skippedEntries += 1  // vanished or replaced since readdir
                continue
            }
            entries[position].fileSize = measured.status.size
            entries[position].modificationTime = measured.status.modificationTime
            entries[position].wireSize = measured.wireSize
            if firstOfBaseName {
                upsert.append(
                    IndexedMessage(
                        baseName: baseName, fileSize: measured.status.size,
                        modificationTime: measured.status.modificationTime, wireSize: Int64(measured.wireSize)))
            }
        }
        let remove = rows.indices.filter { !rowSeen[$0] }.map { rows[$0].baseName }.sorted()
        if indexed != nil, !upsert.isEmpty || !remove.isEmpty {
            indexUpdate = MessageIndexUpdate(upsert: upsert, remove: remove)
        }
    }

    /// Reads a file once to count its wire size; nil when it is gone or no longer a regular file.
    private mutating func measure(
        _ name: String, in directory: OpenDirectory, buffer: UnsafeMutableRawBufferPointer
    ) throws -> (status: FileSystem.Status, wireSize: Int)? {
        guard let descriptor = try directory.openForReading(name) else { return nil }
        defer { _ = close(descriptor) }
        let path = directory.path + "/" + name
        let status = try FileSystem.status(descriptor: descriptor, path: path)
        // Replaced by a FIFO, a device or a folder since `readdir`: not a message.
        guard status.isRegularFile else { return nil }
        var counter = WireSizeCounter()
        while true {
            let count = try FileSystem.read(descriptor, into: buffer, path: path)
            if count == 0 { break }
            counter.count(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            statistics.bytesRead += count
        }
        statistics.filesRead += 1
        return (status, counter.finish())
    }

    private static func deliveryTime(_ entry: Entry) -> Int64 {
        var seconds: Int64 = 0
        var digits = 0
        for byte in entry.baseName.utf8 {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digits < 18 else { break }
            seconds = seconds * 10 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? seconds : entry.modificationTime / 1_000_000_000
    }
}
