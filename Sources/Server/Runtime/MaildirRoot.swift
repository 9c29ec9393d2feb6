public import Maildir
public import Storage
import Synchronization

/// The maildir root that new sessions open; the monitor may move it while the server runs.
public final class MaildirRoot: Sendable {
    private let path: Mutex<String>
    private let index: any MessageIndexStore
    private let uidlSource: UIDLSource
    private let files: any BlockingExecutor

    public init(path: String, index: any MessageIndexStore, uidlSource: UIDLSource, files: any BlockingExecutor) {
        self.path = Mutex(Self.normalised(path))
        self.index = index
        self.uidlSource = uidlSource
        self.files = files
    }

    /// The maildir as it is now.
    public var store: MaildirStore {
        MaildirStore(root: path.withLock { $0 }, index: index, uidlSource: uidlSource, files: files)
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
