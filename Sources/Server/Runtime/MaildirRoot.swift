import Foundation
public import Maildir
import MonitorProtocol
public import Storage
import Synchronization

/// The maildir root that new sessions open; the monitor may move it while the server runs.
public final class MaildirRoot: Sendable {
    private let path: Mutex<String>
    private let index: any MessageIndexStore
    private let uidlSource: UIDLSource
    private let files: any BlockingExecutor
    /// Keep-on-delete's keyword (`--keep-deleted-keyword`); nil: deletions unlink.
    private let hiddenKeyword: String?

    public init(
        path: String, index: any MessageIndexStore, uidlSource: UIDLSource, files: any BlockingExecutor,
        hiddenKeyword: String? = nil
    ) {
        self.hiddenKeyword = hiddenKeyword
        self.path = Mutex(Self.normalised(path))
        self.index = index
        self.uidlSource = uidlSource
        self.files = files
    }

    /// The maildir as it is now.
    public var store: MaildirStore {
        MaildirStore(
            root: path.withLock { $0 }, index: index, uidlSource: uidlSource, files: files,
            hiddenKeyword: hiddenKeyword)
    }

    /// Throws unless `path` may become the root: a maildir that exists must be a folder; a missing one is created
    /// at the first login. Checked on the file pool.
    func checkCandidate(_ path: String) async throws {
        let isFolderOrMissing = try await files.run {
            var isDirectory: ObjCBool = false
            return !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) || isDirectory.boolValue
        }
        guard isFolderOrMissing else { throw MonitorFailure(.badData, "\(path) exists and is not a folder") }
    }

    public func move(to newPath: String) {
        path.withLock { $0 = Self.normalised(newPath) }
    }

    /// "./directories/" and "./directories" are the same root.
    static func normalised(_ path: String) -> String {
        var path = path
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        return path.isEmpty ? "." : path
    }
}
