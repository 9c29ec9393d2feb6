import Glibc

/// A maildrop's `dovecot-uidlist`, read once per open: which UID Dovecot gave each message (by base name), and
/// the UIDL Dovecot's POP3 server answers for it. pop3d never writes the file.
///
/// Format (versions 1 to 3): a header line, then one line per message.
///     3 V<uidvalidity> N<nextuid> G<guid>        1 <uidvalidity> <nextuid>
///     <uid> [<key><value> …] :<filename>         <uid> <filename>
/// A `P<uidl>` field is a UIDL Dovecot kept from an earlier server and answers instead of its own format.
struct DovecotUIDList: Sendable, Equatable {
    /// The file name inside the maildrop.
    static let fileName = "dovecot-uidlist"

    /// What Dovecot knows of one message.
    struct Record: Sendable, Equatable {
        var uid: UInt32
        /// The UIDL Dovecot answers for it.
        var uidl: String
    }

    let uidValidity: UInt32
    /// By base name (the file name before ':').
    let records: [String: Record]

    /// Why a present file gave no list.
    enum ReadError: Error, Equatable, CustomStringConvertible {
        case malformedHeader(path: String)

        var description: String {
            switch self {
            case .malformedHeader(let path): "\(path) does not start with a Dovecot uidlist header"
            }
        }
    }

    /// Reads `<directory>/dovecot-uidlist`; nil when there is none. Throws `MaildirError` when it cannot be read
    /// and `ReadError` when its header is not one of Dovecot's.
    static func read(maildrop directory: String) throws -> DovecotUIDList? {
        let path = directory + "/" + fileName
        guard let descriptor = try FileSystem.openForReading(path) else { return nil }
        defer { _ = close(descriptor) }
        var bytes: [UInt8] = []
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 * 1024, alignment: 1)
        defer { buffer.deallocate() }
        while true {
            let count = try FileSystem.read(descriptor, into: buffer, path: path)
            if count == 0 { break }
            bytes.append(contentsOf: buffer[..<count])
        }
        guard let list = DovecotUIDList(parsing: bytes) else { throw ReadError.malformedHeader(path: path) }
        return list
    }

    /// Parses the file's bytes; nil when the header is not Dovecot's. Record lines that cannot be read are
    /// skipped (their messages keep pop3d's own UIDLs), as Dovecot itself would re-list them.
    init?(parsing bytes: [UInt8]) {
        var lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)[...]
        guard let header = lines.popFirst(), let (version, uidValidity) = Self.header(header) else { return nil }
        var records: [String: Record] = [:]
        for line in lines {
            guard let (uid, uidl, fileName) = Self.record(line, version: version) else { continue }
            let baseName = MaildropMessage.baseName(ofFileName: fileName)
            let answer = uidl.map { $0.isEmpty ? baseName : $0 } ?? Self.defaultUIDL(uid: uid, uidValidity: uidValidity)
            guard UIDL.isValid(answer) else { continue }
            records[baseName] = Record(uid: uid, uidl: answer)
        }
        self.uidValidity = uidValidity
        self.records = records
    }

    /// Dovecot's default `pop3_uidl_format`, `%08Xu%08Xv`: UID and UIDVALIDITY, 8 hex digits each. Despite the
    /// capital X, Dovecot's variable expansion writes lower-case digits (checked against Dovecot 2.3 by
    /// scripts/dovecot-uidl-check.sh), and a client compares UIDLs byte for byte.
    static func defaultUIDL(uid: UInt32, uidValidity: UInt32) -> String {
        String(decoding: hex8(uid) + hex8(uidValidity), as: UTF8.self)
    }

    private static func hex8(_ value: UInt32) -> [UInt8] {
        let digits = Array("0123456789abcdef".utf8)
        return (0..<8).reversed().map { digits[Int((value >> (UInt32($0) * 4)) & 0xF)] }
    }

    /// `3 V<uidvalidity> N<nextuid> …` (versions 2 and 3) or `1 <uidvalidity> <nextuid>`.
    private static func header(_ line: ArraySlice<UInt8>) -> (version: Int, uidValidity: UInt32)? {
        let fields = line.split(separator: UInt8(ascii: " "))
        guard let first = fields.first, let version = number(first) else { return nil }
        switch version {
        case 1:
            guard fields.count >= 3, let validity = number(fields[1]), number(fields[2]) != nil, validity > 0
            else { return nil }
            return (1, validity)
        case 2, 3:
            guard let field = fields.dropFirst().first(where: { $0.first == UInt8(ascii: "V") }),
                let validity = number(field.dropFirst()), validity > 0
            else { return nil }
            return (Int(version), validity)
        default:
            return nil
        }
    }

    /// UID, the `P` UIDL when the line has one, and the file name.
    private static func record(_ line: ArraySlice<UInt8>, version: Int)
        -> (uid: UInt32, uidl: String?, fileName: String)?
    {
        guard let space = line.firstIndex(of: UInt8(ascii: " ")), let uid = number(line[..<space]), uid > 0 else {
            return nil
        }
        var rest = line[(space + 1)...]
        var uidl: String?
        if version >= 2 {
            // Extension fields up to the one that starts with ':', which holds the file name to the line's end.
            while let first = rest.first, first != UInt8(ascii: ":") {
                let end = rest.firstIndex(of: UInt8(ascii: " ")) ?? rest.endIndex
                if first == UInt8(ascii: "P") {
                    uidl = String(decoding: rest[(rest.startIndex + 1)..<end], as: UTF8.self)
                }
                rest = end < rest.endIndex ? rest[(end + 1)...] : rest[end...]
            }
            guard rest.first == UInt8(ascii: ":") else { return nil }
            rest = rest.dropFirst()
        }
        guard !rest.isEmpty, let fileName = String(validating: rest, as: UTF8.self) else { return nil }
        return (uid, uidl, fileName)
    }

    /// A decimal UInt32 with nothing else in the field.
    private static func number(_ digits: ArraySlice<UInt8>) -> UInt32? {
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        var value: UInt64 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + UInt64(byte - UInt8(ascii: "0"))
        }
        return UInt32(exactly: value)
    }
}
