import Glibc

/// A maildrop's `cur/`, held open while messages are opened from it (one RETR, or a RETR and the small messages
/// read ahead with it), so the folder is looked up and checked once per batch. Messages are opened through its
/// descriptor: a `cur/` swapped for a symbolic link since the scan is refused, never followed.
public final class MessageFolder {
    private let store: MaildirStore
    private let maildrop: Maildrop
    private let path: String
    private let descriptor: Int32

    public init(of maildrop: Maildrop, in store: MaildirStore) throws {
        self.store = store
        self.maildrop = maildrop
        path = maildrop.directory + "/cur"
        descriptor = try FileSystem.openFolder(path)
    }

    deinit { Glibc.close(descriptor) }

    /// Opens a message for reading. When its file was renamed (flags changed by another program), the file with
    /// the same base name is opened instead.
    public func open(_ message: MaildropMessage) throws -> MessageReader {
        var fileName = message.fileName
        var opened = try FileSystem.openForReading(fileName, in: descriptor, folderPath: path)
        if opened == nil, let renamed = try store.currentFileName(baseName: message.baseName, in: path) {
            fileName = renamed
            opened = try FileSystem.openForReading(renamed, in: descriptor, folderPath: path)
        }
        guard let opened else { throw MaildirError.messageVanished(message.baseName) }
        let filePath = path + "/" + fileName
        do {
            let status = try FileSystem.status(descriptor: opened, path: filePath)
            guard status.isRegularFile else { throw MaildirError.messageVanished(message.baseName) }
            if status.size != message.fileSize { store.forgetIndexedSize(of: message, in: maildrop) }
            return MessageReader(descriptor: opened, fileName: fileName, path: filePath, fileSize: Int(status.size))
        } catch {
            _ = Glibc.close(opened)
            throw error
        }
    }

    /// Opens message `number` (1-based) of the maildrop.
    public func open(number: Int) throws -> MessageReader {
        guard maildrop.messages.indices.contains(number - 1) else { throw MaildirError.messageVanished("#\(number)") }
        return try open(maildrop.messages[number - 1])
    }
}
