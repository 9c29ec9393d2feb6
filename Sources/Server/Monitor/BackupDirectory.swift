public import MonitorProtocol

/// The one folder `pop3ctl backup` may write into (`--backup-directory`). A monitor admin chooses the file name,
/// never the folder: without this, a token holder could have the server create files wherever it may write.
public struct BackupDirectory: Sendable, Equatable {
    /// Absolute, without a trailing slash.
    public let path: String

    /// Nil unless `path` is absolute (the server's working directory is not the operator's).
    public init?(_ path: String) {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        guard path.hasPrefix("/"), !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else {
            return nil
        }
        self.path = path
    }

    /// Where a backup asked for as `requested` is written: a plain file name, or an absolute path whose folder is
    /// this one.
    public func destination(for requested: String) throws(MonitorFailure) -> String {
        let name: Substring
        if requested.hasPrefix("/") {
            guard let slash = requested.lastIndex(of: "/"), requested[..<slash] == (path == "/" ? "" : path) else {
                throw refusal(requested)
            }
            name = requested[requested.index(after: slash)...]
        } else {
            guard !requested.contains("/") else { throw refusal(requested) }
            name = Substring(requested)
        }
        guard !name.isEmpty, name != ".", name != "..", name.utf8.count <= 255 else {
            throw MonitorFailure(.badData, "\(requested) is not a file name")
        }
        return (path == "/" ? "" : path) + "/" + name
    }

    private func refusal(_ requested: String) -> MonitorFailure {
        MonitorFailure(
            .badData, "backups are written only inside \(path) (the server's --backup-directory): \(requested)")
    }
}
