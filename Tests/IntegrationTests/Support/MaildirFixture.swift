import Foundation

/// Writes and inspects messages in `<maildir>/<user>/{new,cur}` the way a delivery agent would.
struct MaildirFixture: Sendable {
    enum Folder: String, Sendable {
        case new
        case cur
    }

    let root: URL

    func userFolder(_ user: String) -> URL { root.appendingPathComponent(user) }

    /// Delivers `bytes` as file `name` and returns the file's path.
    @discardableResult
    func deliver(_ bytes: [UInt8], user: String, name: String, folder: Folder = .new) throws -> String {
        let box = userFolder(user)
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(
                at: box.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        let file = box.appendingPathComponent(folder.rawValue).appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file.path
    }

    /// Delivers each message into `new/` as `<index>.<tag>` (so directory order is delivery order).
    func deliverAll(_ messages: [[UInt8]], user: String, tag: String = "it") throws {
        for (index, message) in messages.enumerated() {
            try deliver(message, user: user, name: String(format: "%04d.%@", index + 1, tag))
        }
    }

    /// File names in `new/` and `cur/`, sorted; the server moves new mail into `cur/` with a `:2,` suffix.
    func messageFiles(_ user: String) -> [String] {
        let box = userFolder(user)
        var names: [String] = []
        for sub in ["new", "cur"] {
            let folder = box.appendingPathComponent(sub)
            let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            names += files.filter { !$0.hasPrefix(".") }.map { "\(sub)/\($0)" }
        }
        return names.sorted()
    }

    /// Base names (the part before `:`) of the messages still in the maildrop.
    func baseNames(_ user: String) -> [String] {
        messageFiles(user).map { name in
            let file = name.split(separator: "/").last.map(String.init) ?? name
            return String(file.split(separator: ":", maxSplits: 1).first ?? Substring(file))
        }.sorted()
    }
}
