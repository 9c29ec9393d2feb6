/// One message of an open maildrop.
public struct MaildropMessage: Sendable, Equatable {
    /// The file's name in `cur/` when the maildrop was opened, e.g. "1700000000.M1P2.host:2,S".
    public var fileName: String
    /// The part of the name before ":"; it survives flag changes, so it identifies the message.
    public var baseName: String
    /// 1...70 characters in 0x21...0x7E, the same in every session.
    public var uidl: String
    /// The octets RETR sends before byte-stuffing and without the terminator.
    public var wireSize: Int
    /// The file's size in octets when it was measured; opening a file of another size means it was
    /// changed in place, and its index row is dropped.
    public var fileSize: Int64

    public init(fileName: String, baseName: String, uidl: String, wireSize: Int, fileSize: Int64) {
        self.fileName = fileName
        self.baseName = baseName
        self.uidl = uidl
        self.wireSize = wireSize
        self.fileSize = fileSize
    }

    /// The base name of a maildir file name: everything before the first ":".
    public static func baseName(ofFileName fileName: String) -> String {
        guard let colon = fileName.utf8.firstIndex(of: UInt8(ascii: ":")) else { return fileName }
        return String(fileName[..<colon])
    }

    /// The size a delivery agent wrote into the base name as `,S=<octets>` (Maildir++), if any.
    public static func sizeField(ofFileName fileName: String) -> Int64? {
        let name = Array(baseName(ofFileName: fileName).utf8)
        let marker = Array(",S=".utf8)
        guard name.count > marker.count else { return nil }
        for start in 0...(name.count - marker.count) where name[start..<start + marker.count].elementsEqual(marker) {
            var value: Int64 = 0
            var digits = 0
            for byte in name[(start + marker.count)...] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digits < 18 else { break }
                value = value * 10 + Int64(byte - UInt8(ascii: "0"))
                digits += 1
            }
            if digits > 0 { return value }
        }
        return nil
    }
}
