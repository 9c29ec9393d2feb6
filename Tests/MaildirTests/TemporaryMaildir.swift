import Foundation
import Glibc
import Storage
import Testing

@testable import Maildir

/// A maildir root in a fresh temporary folder, removed by `remove()`.
struct TemporaryMaildir {
    let root: String

    init() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("maildir-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        root = url.path
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: root)
    }

    func user(_ name: String = "alice") throws -> MailboxName {
        try #require(MailboxName(name))
    }

    /// Writes a file below the root, creating folders on the way.
    @discardableResult
    func write(_ relativePath: String, _ bytes: [UInt8]) throws -> String {
        let path = root + "/" + relativePath
        let folder = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    func write(_ relativePath: String, _ text: String) throws -> String {
        try write(relativePath, Array(text.utf8))
    }

    func names(in relativeFolder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/" + relativeFolder).sorted()
    }

    func exists(_ relativePath: String) -> Bool {
        FileManager.default.fileExists(atPath: root + "/" + relativePath)
    }
}
