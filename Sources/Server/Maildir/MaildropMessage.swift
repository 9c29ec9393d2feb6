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

    public init(fileName: String, baseName: String, uidl: String, wireSize: Int) {
        self.fileName = fileName
        self.baseName = baseName
        self.uidl = uidl
        self.wireSize = wireSize
    }

    /// The base name of a maildir file name: everything before the first ":".
    public static func baseName(ofFileName fileName: String) -> String {
        guard let colon = fileName.utf8.firstIndex(of: UInt8(ascii: ":")) else { return fileName }
        return String(fileName[..<colon])
    }
}
