import Glibc
import Storage

/// One `MaildirStore.open`: moves new mail, lists `cur/`, sizes each message (index or file), orders them.
struct MaildropScan {
    let directory: String
    let user: MailboxName
    let index: (any MessageIndexStore)?
    let uidlSource: UIDLSource
    private(set) var statistics = MaildropScanStatistics()

    init(directory: String, user: MailboxName, index: (any MessageIndexStore)?, uidlSource: UIDLSource = .pop3d) {
        self.directory = directory
        self.user = user
        self.index = index
        self.uidlSource = uidlSource
    }

    /// A regular file found in `cur/`.
    private struct Entry {
        var fileName: String
        var baseName: String
        var status: FileSystem.Status
        var wireSize = 0
        /// The sort key, computed once per file rather than in every comparison.
        var deliveryTime: Int64 = 0
    }

    private static let readChunkSize = 64 * 1024

    mutating func run() throws -> [MaildropMessage] {
        let cur = directory + "/cur"
        try moveNewMail(from: directory + "/new", to: cur)
        var entries = try listMessages(in: cur)
        entries = try sizeMessages(entries, in: cur)
        for index in entries.indices { entries[index].deliveryTime = Self.deliveryTime(entries[index]) }
        let dovecot = uidlSource == .dovecot ? dovecotUIDList() : nil
        if let dovecot {
            // Dovecot numbers messages in UID order; the ones it never saw come after, in delivery order.
            entries.sort { left, right in
                let leftUID = dovecot.records[left.baseName]?.uid ?? .max
                let rightUID = dovecot.records[right.baseName]?.uid ?? .max
                return leftUID != rightUID ? leftUID < rightUID : Self.deliveredBefore(left, right)
            }
        } else {
            entries.sort(by: Self.deliveredBefore)
        }
        var usedUIDLs = Set<String>()
        return entries.map { entry in
            var uidl = UIDL.forBaseName(entry.baseName)
            if let record = dovecot?.records[entry.baseName], !usedUIDLs.contains(record.uidl) {
                uidl = record.uidl
                statistics.dovecotUIDLs += 1
            }
            // Two files with one base name (or a base name that looks like a hash) must still differ.
            if usedUIDLs.contains(uidl) { uidl = UIDL.hashed("file:" + entry.fileName) }
            usedUIDLs.insert(uidl)
            return MaildropMessage(
                fileName: entry.fileName, baseName: entry.baseName, uidl: uidl, wireSize: entry.wireSize)
        }
    }

    /// The maildrop's `dovecot-uidlist`, or nil when it is missing or unusable (then noted in the statistics).
    private mutating func dovecotUIDList() -> DovecotUIDList? {
        do { return try DovecotUIDList.read(maildrop: directory) } catch {
            statistics.uidListError = "\(error)"
            return nil
        }
    }

    /// Dovecot's move: `new/x` becomes `cur/x:2,`. Never overwrites a file in `cur/`.
    private mutating func moveNewMail(from new: String, to cur: String) throws {
        for name in try FileSystem.names(in: new, skipped: &statistics.skippedEntries) {
            guard !name.hasPrefix("."), let status = try FileSystem.status(new + "/" + name), status.isRegularFile
            else {
                statistics.skippedEntries += 1
                continue
            }
            let target = cur + "/" + (name.contains(":") ? name : name + ":2,")
            guard try FileSystem.status(target) == nil else {
                statistics.skippedEntries += 1
                continue
            }
            if rename(new + "/" + name, target) == 0 {
                statistics.movedFromNew += 1
            } else if errno != ENOENT {  // ENOENT: another session moved it first
                throw MaildirError.failure("rename", path: new + "/" + name, errno: errno)
            }
        }
    }

    private mutating func listMessages(in cur: String) throws -> [Entry] {
        var entries: [Entry] = []
        for name in try FileSystem.names(in: cur, skipped: &statistics.skippedEntries) {
            guard !name.hasPrefix("."), let status = try FileSystem.status(cur + "/" + name), status.isRegularFile
            else {
                statistics.skippedEntries += 1
                continue
            }
            entries.append(Entry(fileName: name, baseName: MaildropMessage.baseName(ofFileName: name), status: status))
        }
        return entries
    }

    /// Takes sizes from the index when base name, file size and mtime match; reads the other files once
    /// and writes their sizes back (and forgets rows of files that are gone) in one call.
    private mutating func sizeMessages(_ entries: [Entry], in cur: String) throws -> [Entry] {
        var indexed: [String: IndexedMessage] = [:]
        if let index {
            do { indexed = try index.indexedMessages(user: user.value) } catch {
                statistics.indexError = "\(error)"
            }
        }
        var sized: [Entry] = []
        var upsert: [IndexedMessage] = []
        var present = Set<String>()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.readChunkSize, alignment: 1)
        defer { buffer.deallocate() }
        for var entry in entries {
            let firstOfBaseName = present.insert(entry.baseName).inserted
            if firstOfBaseName, let row = indexed[entry.baseName], row.fileSize == entry.status.size,
                row.modificationTime == entry.status.modificationTime
            {
                entry.wireSize = Int(row.wireSize)
                statistics.indexHits += 1
                sized.append(entry)
                continue
            }
            guard let measured = try measure(cur + "/" + entry.fileName, buffer: buffer) else {
                statistics.skippedEntries += 1  // vanished since readdir
                continue
            }
            entry.status = measured.status
            entry.wireSize = measured.wireSize
            sized.append(entry)
            if firstOfBaseName {
                upsert.append(
                    IndexedMessage(
                        baseName: entry.baseName, fileSize: entry.status.size,
                        modificationTime: entry.status.modificationTime, wireSize: Int64(entry.wireSize)))
            }
        }
        let remove = indexed.keys.filter { !present.contains($0) }.sorted()
        if let index, statistics.indexError == nil, !upsert.isEmpty || !remove.isEmpty {
            do { try index.updateIndex(user: user.value, upsert: upsert, remove: remove) } catch {
                statistics.indexError = "\(error)"
            }
        }
        return sized
    }

    /// Reads a file once to count its wire size; nil when it is gone.
    private mutating func measure(
        _ path: String, buffer: UnsafeMutableRawBufferPointer
    ) throws -> (status: FileSystem.Status, wireSize: Int)? {
        guard let descriptor = try FileSystem.openForReading(path) else { return nil }
        defer { _ = close(descriptor) }
        let status = try FileSystem.status(descriptor: descriptor, path: path)
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

    /// Delivery order: the base name's leading timestamp (else the mtime's second), then the base name.
    private static func deliveredBefore(_ left: Entry, _ right: Entry) -> Bool {
        if left.deliveryTime != right.deliveryTime { return left.deliveryTime < right.deliveryTime }
        if left.baseName != right.baseName {
            return left.baseName.utf8.lexicographicallyPrecedes(right.baseName.utf8)
        }
        return left.fileName.utf8.lexicographicallyPrecedes(right.fileName.utf8)
    }

    private static func deliveryTime(_ entry: Entry) -> Int64 {
        var seconds: Int64 = 0
        var digits = 0
        for byte in entry.baseName.utf8 {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digits < 18 else { break }
            seconds = seconds * 10 + Int64(byte - UInt8(ascii: "0"))
            digits += 1
        }
        return digits > 0 ? seconds : entry.status.modificationTime / 1_000_000_000
    }
}
