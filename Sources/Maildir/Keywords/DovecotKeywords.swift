import Glibc

/// A maildrop's `dovecot-keywords`: which maildir keyword each lowercase flag letter stands for, as Dovecot writes
/// it (one `<index> <keyword>` line per keyword; index 0 is `a`, 25 is `z`). pop3d reads it to find the letter of
/// its keep-on-delete keyword and adds that keyword when the maildrop has none for it yet.
struct DovecotKeywords: Sendable, Equatable {
    static let fileName = "dovecot-keywords"
    /// Dovecot's maildir keeps at most 26 keywords in file names.
    static let capacity = 26

    /// Keyword by index.
    private(set) var keywords: [Int: String]

    init(parsing bytes: [UInt8]) {
        var keywords: [Int: String] = [:]
        for line in bytes.split(separator: UInt8(ascii: "\n")) {
            guard let space = line.firstIndex(of: UInt8(ascii: " ")),
                let index = Int(String(decoding: line[line.startIndex..<space], as: UTF8.self)),
                (0..<Self.capacity).contains(index)
            else { continue }
            let keyword = String(decoding: line[line.index(after: space)...], as: UTF8.self)
            if !keyword.isEmpty { keywords[index] = keyword }
        }
        self.keywords = keywords
    }

    /// The flag letter of `keyword`, if the file maps it.
    func letter(of keyword: String) -> UInt8? {
        keywords.first { $0.value == keyword }.map { UInt8(ascii: "a") + UInt8($0.key) }
    }

    var serialized: [UInt8] {
        Array(keywords.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)\n" }.joined().utf8)
    }

    /// Reads `<maildrop>/dovecot-keywords` (never through a symbolic link); empty when there is none.
    static func read(maildrop directory: String) throws -> DovecotKeywords {
        let path = directory + "/" + fileName
        guard let descriptor = try FileSystem.openForReading(path) else { return DovecotKeywords(parsing: []) }
        defer { _ = close(descriptor) }
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        while bytes.count < 64 * 1024 {
            let count = try FileSystem.read(descriptor, into: buffer, path: path)
            if count == 0 { break }
            bytes.append(contentsOf: buffer[..<count])
        }
        return DovecotKeywords(parsing: bytes)
    }

    /// The letter of `keyword` in the maildrop, adding the keyword to its file (written whole to a temporary file,
    /// then renamed over it) when missing. Throws when all 26 letters are taken.
    static func letter(of keyword: String, addingTo directory: String) throws -> UInt8 {
        var file = try read(maildrop: directory)
        if let letter = file.letter(of: keyword) { return letter }
        guard let free = (0..<capacity).first(where: { file.keywords[$0] == nil }) else {
            throw MaildirError.io("\(directory)/\(fileName) has no free keyword letter for \(keyword)", errno: ENOSPC)
        }
        file.keywords[free] = keyword
        let temporary = directory + "/.\(fileName).pop3d-\(getpid())"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw MaildirError.failure("open", path: temporary, errno: errno) }
        let bytes = file.serialized
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        let code = errno
        close(descriptor)
        guard written == bytes.count else {
            unlink(temporary)
            throw MaildirError.failure("write", path: temporary, errno: code)
        }
        guard rename(temporary, directory + "/" + fileName) == 0 else {
            let code = errno
            unlink(temporary)
            throw MaildirError.failure("rename", path: temporary, errno: code)
        }
        return UInt8(ascii: "a") + UInt8(free)
    }
}

/// The flags of a maildir file name (`<base>:2,<flags>`), where keyword letters live.
enum MaildirFlags {
    /// True when the name's info part (`:2,` onwards) has `letter`.
    static func contains(_ letter: UInt8, in fileName: String) -> Bool {
        guard let flags = flags(of: fileName) else { return false }
        return flags.contains(letter)
    }

    /// The name with `letter` added to its flags, kept in ASCII order as the maildir convention asks.
    static func adding(_ letter: UInt8, to fileName: String) -> String {
        let base = MaildropMessage.baseName(ofFileName: fileName)
        var flags = Set(flags(of: fileName) ?? [])
        flags.insert(letter)
        return base + ":2," + String(decoding: flags.sorted(), as: UTF8.self)
    }

    private static func flags(of fileName: String) -> [UInt8]? {
        let bytes = Array(fileName.utf8)
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let info = bytes[(colon + 1)...]
        guard info.starts(with: Array("2,".utf8)) else { return nil }
        return Array(info.dropFirst(2))
    }
}
