import Glibc

/// What a folder looked like when a maildrop was listed: any entry added, removed or renamed in it since moves its
/// modification and change times (and often its size), and a folder swapped for another has another inode.
struct FolderStamp: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    /// Nanoseconds since 1970.
    var modificationTime: Int64
    var changeTime: Int64

    init(device: UInt64, inode: UInt64, size: Int64, modificationTime: Int64, changeTime: Int64) {
        self.device = device
        self.inode = inode
        self.size = size
        self.modificationTime = modificationTime
        self.changeTime = changeTime
    }

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int64(info.st_size)
        modificationTime = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changeTime = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
    }

    /// The stamp of the folder at `path` (never through a symlink); nil when it is missing or not a folder.
    static func of(_ path: String) -> FolderStamp? {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
        return FolderStamp(info)
    }

    /// Whether a change made after `observedAt` (nanoseconds since 1970, the clock the file system stamps with) is
    /// sure to move this stamp. A change sets both times to the file system's clock at that moment, rounded to its
    /// granularity; if that lands in the same tick as both recorded times, nothing moves. So the stamp is trusted
    /// only when its times are at least `MaildropListing.granularity` older than the observation, or apart by as
    /// much (a later change cannot match both). A clock that stands still, or a folder changed "in the future",
    /// is never trusted: the maildrop is read again.
    func isSettled(observedAt: Int64) -> Bool {
        let granularity = MaildropListing.granularity
        let newest = max(modificationTime, changeTime)
        if observedAt - newest >= granularity { return true }
        return abs(changeTime - modificationTime) >= granularity && observedAt - modificationTime >= granularity
    }
}

/// A maildrop's message list as the last full scan left it, with the stamps of `cur/` and `new/` taken before
/// that scan read `cur/` (and after it emptied `new/`). When both folders still carry those stamps, nothing was
/// delivered, removed or renamed since, and the list is the maildrop: a login then reads one file instead of the
/// folders and the index (Dovecot trusts its index the same way). Kept in `<maildrop>/.pop3d-listing`, written
/// whole to a temporary name and renamed; read without following a symlink, and every field checked, so a damaged
/// or planted file costs a full scan, never a wrong listing or a crash.
///
/// Granularity relied on: `granularity` (2 s), so file systems that keep 1 s modification times (ext3, HFS+,
/// some NFS servers) are covered as well as nanosecond ones; a folder changed within that of the scan is not
/// trusted, and the next login scans again. The clocks of whoever changes the maildrop (the NFS server, the
/// delivery agent's host) and of pop3d must agree within about a second.
enum MaildropListing {
    static let fileName = ".pop3d-listing"
    /// Nanoseconds.
    static let granularity: Int64 = 2_000_000_000
    /// A listing file over this is not read (at ~100 octets a message, 20 million messages).
    static let maximumFileSize = 2_000_000_000
    private static let magic: UInt32 = 0x5033_4C31  // "P3L1"
    private static let stampSize = 40
    /// magic, observed-at, two stamps, count, skipped, total wire size.
    private static let headerSize = 4 + 8 + 2 * stampSize + 4 + 4 + 8

    /// The stamps of both folders and when they were taken.
    struct Stamps: Equatable, Sendable {
        var cur: FolderStamp
        var new: FolderStamp
        /// Nanoseconds since 1970 (`CLOCK_REALTIME`), taken after both stamps.
        var observedAt: Int64

        var isSettled: Bool { cur.isSettled(observedAt: observedAt) && new.isSettled(observedAt: observedAt) }

        /// The folders of the maildrop at `directory` now; nil when one is missing.
        static func now(directory: String) -> Stamps? {
            guard let cur = FolderStamp.of(directory + "/cur"), let new = FolderStamp.of(directory + "/new") else {
                return nil
            }
            return Stamps(cur: cur, new: new, observedAt: MaildropListing.realTime())
        }

        func sameFolders(as other: Stamps) -> Bool { cur == other.cur && new == other.new }
    }

    /// A listing read back.
    struct Cached {
        var stamps: Stamps
        var messages: [MaildropMessage]
        var skippedEntries: Int
    }

    static func realTime() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }

    // MARK: Encoding

    static func encode(_ messages: [MaildropMessage], stamps: Stamps, skippedEntries: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerSize + messages.count * 96)
        append(magic, to: &bytes)
        append(UInt64(bitPattern: stamps.observedAt), to: &bytes)
        for stamp in [stamps.cur, stamps.new] {
            append(stamp.device, to: &bytes)
            append(stamp.inode, to: &bytes)
            append(UInt64(bitPattern: stamp.size), to: &bytes)
            append(UInt64(bitPattern: stamp.modificationTime), to: &bytes)
            append(UInt64(bitPattern: stamp.changeTime), to: &bytes)
        }
        append(UInt32(messages.count), to: &bytes)
        append(UInt32(clamping: skippedEntries), to: &bytes)
        append(UInt64(messages.reduce(0) { $0 + $1.wireSize }), to: &bytes)
        for message in messages {
            append(UInt64(message.wireSize), to: &bytes)
            append(UInt64(bitPattern: message.fileSize), to: &bytes)
            let ownUIDL = message.uidl != message.baseName
            append(UInt16(message.fileName.utf8.count), to: &bytes)
            append(UInt16(message.baseName.utf8.count), to: &bytes)
            bytes.append(ownUIDL ? UInt8(message.uidl.utf8.count) : 0)
            bytes.append(contentsOf: message.fileName.utf8)
            if ownUIDL { bytes.append(contentsOf: message.uidl.utf8) }
        }
        let sum = bytes.withUnsafeBytes { checksum($0) }
        append(sum, to: &bytes)
        return bytes
    }

    /// A fast 64-bit checksum of `bytes` (eight octets a step), so a damaged file is refused: not a defence
    /// against whoever may write the maildrop, who can write messages anyway.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(bytes.count)
        var offset = 0
        while bytes.count - offset >= 8 {
            let word = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            hash = (hash ^ word) &* 0x0000_0100_0000_01B3
            hash ^= hash >> 29
            offset += 8
        }
        while offset < bytes.count {
            hash = (hash ^ UInt64(bytes[offset])) &* 0x0000_0100_0000_01B3
            offset += 1
        }
        return hash
    }

    /// Whether `messages` can be written (name lengths fit the encoding).
    static func canEncode(_ messages: [MaildropMessage]) -> Bool {
        messages.allSatisfy { $0.fileName.utf8.count <= Int(UInt16.max) && $0.uidl.utf8.count <= UIDL.maximumLength }
    }

    /// Just the stamps, from the start of a listing.
    static func decodeStamps(_ bytes: UnsafeRawBufferPointer) -> Stamps? {
        guard bytes.count >= headerSize else { return nil }
        var reader = Reader(bytes: bytes)
        guard reader.uint32() == magic, let observed = reader.uint64() else { return nil }
        var stamps: [FolderStamp] = []
        for _ in 0..<2 {
            guard let device = reader.uint64(), let inode = reader.uint64(), let size = reader.uint64(),
                let modified = reader.uint64(), let changed = reader.uint64()
            else { return nil }
            stamps.append(
                FolderStamp(
                    device: device, inode: inode, size: Int64(bitPattern: size),
                    modificationTime: Int64(bitPattern: modified), changeTime: Int64(bitPattern: changed)))
        }
        return Stamps(cur: stamps[0], new: stamps[1], observedAt: Int64(bitPattern: observed))
    }

    /// The whole listing; nil when anything in it does not add up.
    static func decode(_ whole: UnsafeRawBufferPointer) -> Cached? {
        guard whole.count >= headerSize + 8 else { return nil }
        let bytes = UnsafeRawBufferPointer(rebasing: whole[..<(whole.count - 8)])
        guard whole.loadUnaligned(fromByteOffset: bytes.count, as: UInt64.self) == checksum(bytes).littleEndian,
            let stamps = decodeStamps(bytes)
        else { return nil }
        var reader = Reader(bytes: bytes)
        reader.offset = 4 + 8 + 2 * stampSize
        guard let count32 = reader.uint32(), let skipped = reader.uint32(), let total = reader.uint64() else {
            return nil
        }
        let count = Int(count32)
        // Every entry takes at least 21 octets: a count the file cannot hold is refused before allocating.
        guard count <= (bytes.count - headerSize) / 21 else { return nil }
        var messages: [MaildropMessage] = []
        messages.reserveCapacity(count)
        var sum: UInt64 = 0
        for _ in 0..<count {
            guard let wire = reader.uint64(), let fileSize = reader.uint64(), let nameLength = reader.uint16(),
                let baseLength = reader.uint16(), let uidlLength = reader.uint8(),
                wire <= UInt64(Int.max), baseLength <= nameLength, nameLength > 0,
                let name = reader.string(Int(nameLength)), isPlainName(name),
                let message = message(
                    name: name, baseLength: Int(baseLength), uidlLength: Int(uidlLength), reader: &reader,
                    wireSize: Int(wire), fileSize: Int64(bitPattern: fileSize))
            else { return nil }
            let (partial, overflow) = sum.addingReportingOverflow(wire)
            guard !overflow else { return nil }
            sum = partial
            messages.append(message)
        }
        guard reader.offset == bytes.count, sum == total else { return nil }
        return Cached(stamps: stamps, messages: messages, skippedEntries: Int(skipped))
    }

    private static func message(
        name: String, baseLength: Int, uidlLength: Int, reader: inout Reader, wireSize: Int, fileSize: Int64
    ) -> MaildropMessage? {
        let baseName = MaildropMessage.baseName(ofFileName: name)
        guard baseName.utf8.count == baseLength else { return nil }
        let uidl: String
        if uidlLength == 0 {
            uidl = baseName
        } else {
            guard let own = reader.string(uidlLength) else { return nil }
            uidl = own
        }
        guard UIDL.isValid(uidl) else { return nil }
        return MaildropMessage(fileName: name, baseName: baseName, uidl: uidl, wireSize: wireSize, fileSize: fileSize)
    }

    /// A name a scan could have listed: not empty, no "/", no NUL, not a dot file.
    private static func isPlainName(_ name: String) -> Bool {
        let octets = name.utf8
        return !octets.isEmpty && octets.first != UInt8(ascii: ".") && !octets.contains(UInt8(ascii: "/"))
            && !octets.contains(0)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Reads little-endian fields, refusing to run past the end.
    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        mutating func field<T: FixedWidthInteger>(_: T.Type) -> T? {
            let size = MemoryLayout<T>.size
            guard bytes.count - offset >= size else { return nil }
            var value = T.zero
            withUnsafeMutableBytes(of: &value) {
                $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + size]))
            }
            offset += size
            return T(littleEndian: value)
        }

        mutating func uint8() -> UInt8? { field(UInt8.self) }
        mutating func uint16() -> UInt16? { field(UInt16.self) }
        mutating func uint32() -> UInt32? { field(UInt32.self) }
        mutating func uint64() -> UInt64? { field(UInt64.self) }

        mutating func string(_ count: Int) -> String? {
            guard bytes.count - offset >= count else { return nil }
            let text = String(
                validating: UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count]), as: UTF8.self)
            offset += count
            return text
        }
    }

    // MARK: Files

    /// The listing of the maildrop at `directory` when both folders still carry its stamps; nil otherwise (no
    /// listing, another one, a damaged one: the caller scans).
    static func read(directory: String) -> Cached? {
        let path = directory + "/" + fileName
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size >= headerSize,
            info.st_size <= maximumFileSize
        else { return nil }
        let size = Int(info.st_size)
        // The header first: a listing of other stamps is not worth reading whole.
        var header = [UInt8](repeating: 0, count: headerSize)
        guard readFully(descriptor, into: &header, count: headerSize),
            let stamps = header.withUnsafeBytes({ decodeStamps($0) }), stamps.isSettled,
            let current = Stamps.now(directory: directory), current.sameFolders(as: stamps)
        else { return nil }
        var bytes = [UInt8](repeating: 0, count: size)
        guard lseek(descriptor, 0, SEEK_SET) == 0, readFully(descriptor, into: &bytes, count: size) else { return nil }
        return bytes.withUnsafeBytes { decode($0) }
    }

    /// Writes the listing of the maildrop at `directory` (to a temporary name, then renamed over the old one).
    /// Failures are ignored: the listing only saves a scan.
    static func write(_ messages: [MaildropMessage], stamps: Stamps, skippedEntries: Int, directory: String) {
        guard canEncode(messages) else { return remove(directory: directory) }
        let bytes = encode(messages, stamps: stamps, skippedEntries: skippedEntries)
        let temporary = directory + "/\(fileName).\(getpid()).\(UInt32.random(in: 0...UInt32.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard descriptor >= 0 else { return }
        let written = bytes.withUnsafeBytes { raw -> Bool in
            var offset = 0
            while offset < raw.count {
                let count = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += count
            }
            return true
        }
        close(descriptor)
        if !written || rename(temporary, directory + "/" + fileName) != 0 { unlink(temporary) }
    }

    /// Drops the listing (the next login scans).
    static func remove(directory: String) {
        unlink(directory + "/" + fileName)
    }

    private static func readFully(_ descriptor: Int32, into bytes: inout [UInt8], count: Int) -> Bool {
        bytes.withUnsafeMutableBytes { raw in
            var offset = 0
            while offset < count {
                let got = Glibc.read(descriptor, raw.baseAddress! + offset, count - offset)
                if got < 0, errno == EINTR { continue }
                guard got > 0 else { return false }
                offset += got
            }
            return true
        }
    }
}
