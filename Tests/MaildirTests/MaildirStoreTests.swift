import Foundation
import Glibc
import POP3Core
import Testing
import WireTestSupport

@testable import Maildir

@Suite struct MaildirStoreTests {
    @Test func createsMissingUserFolder() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        let drop = try await MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()).open(
            user: maildir.user())
        #expect(drop.messages.isEmpty)
        #expect(drop.directory == maildir.root + "/alice")
        for folder in ["alice", "alice/cur", "alice/new", "alice/tmp"] {
            var info = stat()
            #expect(stat(maildir.root + "/" + folder, &info) == 0)
            #expect(info.st_mode & 0o777 == 0o700, "\(folder)")
        }
    }

    @Test func movesNewMailIntoCurWithInfo() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/new/100.A.host", "a\n")
        try maildir.write("alice/new/101.B.host:2,S", "b\n")
        try maildir.write("alice/new/.dotfile", "x\n")
        try maildir.write("alice/tmp/102.C.host", "in delivery\n")
        try FileManager.default.createDirectory(atPath: maildir.root + "/alice/cur", withIntermediateDirectories: true)
        let drop = try await MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()).open(
            user: maildir.user())
        #expect(try maildir.names(in: "alice/cur") == ["100.A.host:2,", "101.B.host:2,S"])
        #expect(try maildir.names(in: "alice/new") == [".dotfile"])
        #expect(try maildir.names(in: "alice/tmp") == ["102.C.host"])
        #expect(drop.messages.map(\.baseName) == ["100.A.host", "101.B.host"])
        #expect(drop.statistics.movedFromNew == 2)
    }

    @Test func doesNotOverwriteExistingFileInCur() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/100.A.host:2,", "old\n")
        try maildir.write("alice/new/100.A.host", "new\n")
        let drop = try await MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()).open(
            user: maildir.user())
        #expect(drop.messages.count == 1)
        #expect(maildir.exists("alice/new/100.A.host"))
        #expect(try String(contentsOfFile: maildir.root + "/alice/cur/100.A.host:2,", encoding: .utf8) == "old\n")
    }

    @Test func computesWireSizes() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        let files: [(String, String, Int)] = [
            ("1.crlf", "A: b\r\n\r\nbody\r\n", 14), ("2.lf", "A: b\n\nbody\n", 14), ("3.mixed", "A: b\r\n\nbody\n", 14),
            ("4.nofinal", "A: b\n\nbody", 14), ("5.empty", "", 0), ("6.lonecr", "a\rb", 5),
        ]
        for (name, text, _) in files { try maildir.write("alice/cur/\(name):2,", text) }
        let drop = try await MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()).open(
            user: maildir.user())
        #expect(drop.messages.map(\.baseName) == files.map(\.0))
        #expect(drop.messages.map(\.wireSize) == files.map(\.2))
        #expect(drop.totalWireSize == 61)
    }

    @Test func sizeAgreesWithBytesSentForRETR() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        var random = MaildirTestRandom(state: 42)
        let alphabet = Array(".\r\nab".utf8)
        let bytes = (0..<200_000).map { _ in alphabet.randomElement(using: &random)! }
        try maildir.write("alice/cur/1.big:2,", bytes)
        let store = MaildirStore(root: maildir.root, index: nil, files: InlineExecutor())
        let drop = try await store.open(user: maildir.user())
        let message = try #require(drop.messages.first)
        let reader = try store.openMessage(message, in: drop)
        defer { reader.close() }
        var encoder = WireEncoder()
        var sent: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let count = try chunk.withUnsafeMutableBytes({ try reader.read(into: $0) }), count > 0 {
            sent += encoder.encoded(chunk.prefix(count))
        }
        sent += encoder.finished()
        #expect(sent == WireModel.encoded(bytes))
        let stuffed = WireModel.lines(bytes).filter { $0.first == UInt8(ascii: ".") }.count
        #expect(message.wireSize == sent.count - stuffed - 3)
    }

    @Test func orderIsDeliveryOrderAndUIDLsSurviveRenamesAndDeletes() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1700000200.C.host:2,", "c\n")
        try maildir.write("alice/cur/1700000100.B.host:2,", "b\n")
        try maildir.write("alice/new/1700000300.D.host", "d\n")
        try maildir.write("alice/cur/999.A.host:2,S", "a\n")
        let store = MaildirStore(root: maildir.root, index: nil, files: InlineExecutor())
        let first = try await store.open(user: maildir.user())
        #expect(
            first.messages.map(\.baseName) == [
                "999.A.host", "1700000100.B.host", "1700000200.C.host", "1700000300.D.host",
            ])
        #expect(Set(first.messages.map(\.uidl)).count == 4)

        let cur = maildir.root + "/alice/cur/"
        #expect(rename(cur + "1700000200.C.host:2,", cur + "1700000200.C.host:2,RS") == 0)
        try store.removeMessage(user: maildir.user(), baseName: "1700000100.B.host", fileName: "1700000100.B.host:2,")
        let second = try await store.open(user: maildir.user())
        let expected = first.messages.filter { $0.baseName != "1700000100.B.host" }
        #expect(second.messages.map(\.uidl) == expected.map(\.uidl))
        #expect(second.messages.map(\.baseName) == expected.map(\.baseName))
        #expect(second.messages[1].fileName == "1700000200.C.host:2,RS")
    }

    @Test func longAndOddBaseNamesGetDistinctHashedUIDLs() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        let long = "1." + String(repeating: "x", count: 80)
        try maildir.write("alice/cur/\(long):2,", "a\n")
        try maildir.write("alice/cur/2.with space:2,", "b\n")
        try maildir.write("alice/cur/3.dup:2,", "c\n")
        try maildir.write("alice/cur/3.dup:2,S", "d\n")
        let drop = try await MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()).open(
            user: maildir.user())
        let uidls = drop.messages.map(\.uidl)
        #expect(uidls.count == 4)
        #expect(Set(uidls).count == 4)
        #expect(uidls[0] == UIDL.forBaseName(long) && uidls[0] != long)
        #expect(uidls[1] == UIDL.forBaseName("2.with space"))
        #expect(
            uidls.allSatisfy { (1...70).contains($0.utf8.count) && $0.utf8.allSatisfy { (0x21...0x7E).contains($0) } })
    }

    @Test func skipsDirectoriesDotFilesAndNonUTF8Names() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1.good:2,", "a\n")
        try maildir.write("alice/cur/.hidden", "x\n")
        try FileManager.default.createDirectory(
            atPath: maildir.root + "/alice/cur/2.dir", withIntermediateDirectories: true)
        let badName: [CChar] = Array((maildir.root + "/alice/cur/3.bad").utf8CString.dropLast()) + [-1, 0]
        let descriptor = open(badName, O_CREAT | O_WRONLY, 0o600)
        try #require(descriptor >= 0)
        close(descriptor)
        #expect(symlink(maildir.root + "/alice/cur/1.good:2,", maildir.root + "/alice/cur/4.link:2,") == 0)
        #expect(symlink(maildir.root + "/nowhere", maildir.root + "/alice/cur/5.dangling:2,") == 0)
        let drop = try await MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()).open(
            user: maildir.user())
        #expect(drop.messages.map(\.baseName) == ["1.good"], "a symlink is never a message, even to one")
        #expect(drop.statistics.skippedEntries == 5)
    }

    /// Whoever can write a maildrop (a delivery agent, a user's home-directory maildir) must not make pop3d list or
    /// send another file it can read, nor hold a pool thread on a FIFO.
    @Test func symlinksOutOfTheMaildropAndFIFOsAreNeitherListedNorRead() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1.mail:2,", "Subject: mine\n\nbody\n")
        try maildir.write("secret.txt", "not alice's\n")
        #expect(symlink(maildir.root + "/secret.txt", maildir.root + "/alice/cur/2.steal:2,") == 0)
        try FileManager.default.createDirectory(
            atPath: maildir.root + "/alice/new", withIntermediateDirectories: true)
        #expect(symlink(maildir.root + "/secret.txt", maildir.root + "/alice/new/3.steal") == 0)
        #expect(mkfifo(maildir.root + "/alice/cur/4.fifo:2,", 0o600) == 0)
        let drop = try await MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()).open(
            user: maildir.user())
        #expect(drop.messages.map(\.baseName) == ["1.mail"])
        #expect(drop.statistics.skippedEntries == 3)
        #expect(drop.statistics.filesRead == 1, "only the real message was read")
        // The symlink in new/ stays where it was: it is not moved into cur/ either.
        #expect(FileManager.default.fileExists(atPath: maildir.root + "/alice/new/3.steal"))
    }

    /// Whoever writes a maildrop makes its `cur/` (or `new/`) a link to another folder: nothing there is listed,
    /// read or deleted, at the scan or later (a swap after the scan), nor by the journal's replay.
    @Test(arguments: ["cur", "new"])
    func aMaildropFolderThatIsALinkIsRefused(folder: String) async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("elsewhere/1.secret:2,", "not alice's\n")
        try maildir.write("alice/cur/.keep", "")
        try maildir.write("alice/new/.keep", "")
        try maildir.write("alice/tmp/.keep", "")
        try FileManager.default.removeItem(atPath: maildir.root + "/alice/" + folder)
        #expect(symlink(maildir.root + "/elsewhere", maildir.root + "/alice/" + folder) == 0)
        let store = MaildirStore(root: maildir.root, index: nil, files: InlineExecutor())
        await #expect(throws: MaildirError.notADirectory(maildir.root + "/alice/" + folder)) {
            try await store.open(user: maildir.user())
        }
        if folder == "cur" {
            #expect(throws: MaildirError.notADirectory(maildir.root + "/alice/cur")) {
                try store.removeMessage(user: maildir.user(), baseName: "1.secret", fileName: "1.secret:2,")
            }
        } else {
            #expect(
                try store.removeMessage(user: maildir.user(), baseName: "1.secret", fileName: "1.secret:2,") == false)
        }
        #expect(maildir.exists("elsewhere/1.secret:2,"), "nothing outside the maildrop was moved or deleted")
    }

    @Test func curSwappedForALinkAfterTheScanIsNotFollowed() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1.mail:2,", "Subject: mine\n\nbody\n")
        try maildir.write("elsewhere/1.mail:2,", "Subject: not alice's\n\nsecret\n")
        let store = MaildirStore(root: maildir.root, index: nil, files: InlineExecutor())
        let drop = try await store.open(user: maildir.user())
        let message = try #require(drop.messages.first)
        #expect(rename(maildir.root + "/alice/cur", maildir.root + "/alice/cur.real") == 0)
        #expect(symlink(maildir.root + "/elsewhere", maildir.root + "/alice/cur") == 0)
        #expect(throws: MaildirError.notADirectory(maildir.root + "/alice/cur")) {
            try store.openMessage(message, in: drop)
        }
    }

    @Test func curBeingAFileIsAClearError() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur", "not a folder")
        let error = try await #require(throws: MaildirError.self) {
            try await MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()).open(user: maildir.user())
        }
        #expect(error == .notADirectory(maildir.root + "/alice/cur"))
        #expect(error.description.contains("is not a directory"))
    }

    @Test(.enabled(if: getuid() != 0, "root ignores file modes"))
    func unreadableMaildropIsPermissionDenied() async throws {
        let maildir = try TemporaryMaildir()
        defer {
            chmod(maildir.root + "/alice/cur", 0o700)
            maildir.remove()
        }
        try maildir.write("alice/cur/1.a:2,", "a\n")
        try maildir.write("alice/new/.keep", "")
        try maildir.write("alice/tmp/.keep", "")
        chmod(maildir.root + "/alice/cur", 0o000)
        await #expect(throws: MaildirError.permissionDenied(maildir.root + "/alice/cur")) {
            try await MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()).open(user: maildir.user())
        }
    }

    @Test func errnoMapsToTellingCases() {
        #expect(MaildirError.failure("open", path: "/p", errno: EACCES) == .permissionDenied("/p"))
        #expect(MaildirError.failure("open", path: "/p", errno: ENOTDIR) == .notADirectory("/p"))
        let other = MaildirError.failure("open", path: "/p", errno: EIO)
        #expect(other == .io("open /p", errno: EIO))
        #expect(other.description.contains("open /p"))
    }

    @Test func openMessageFollowsRenameAndReportsVanished() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1.a:2,", "hello\n")
        let store = MaildirStore(root: maildir.root, index: nil, files: InlineExecutor())
        let drop = try await store.open(user: maildir.user())
        let message = try #require(drop.messages.first)
        let cur = maildir.root + "/alice/cur/"
        #expect(rename(cur + "1.a:2,", cur + "1.a:2,S") == 0)
        let reader = try store.openMessage(message, in: drop)
        #expect(reader.fileName == "1.a:2,S")
        var buffer = [UInt8](repeating: 0, count: 100)
        #expect(try buffer.withUnsafeMutableBytes { try reader.read(into: $0) } == 6)
        #expect(String(decoding: buffer.prefix(6), as: UTF8.self) == "hello\n")
        #expect(try buffer.withUnsafeMutableBytes { try reader.read(into: $0) } == 0)
        reader.close()
        #expect(try buffer.withUnsafeMutableBytes { try reader.read(into: $0) } == 0)

        #expect(unlink(cur + "1.a:2,S") == 0)
        #expect(throws: MaildirError.messageVanished("1.a")) { try store.openMessage(message, in: drop) }
    }

    @Test func removeMessageIsIdempotentAndFindsRenamedFile() throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1.a:2,", "a\n")
        try maildir.write("alice/cur/2.b:2,S", "b\n")
        let store = MaildirStore(root: maildir.root, index: nil, files: InlineExecutor())
        let user = try maildir.user()
        #expect(try store.removeMessage(user: user, baseName: "1.a", fileName: "1.a:2,"))
        #expect(try !store.removeMessage(user: user, baseName: "1.a", fileName: "1.a:2,"))
        #expect(try store.removeMessage(user: user, baseName: "2.b", fileName: "2.b:2,"))
        #expect(try maildir.names(in: "alice/cur").isEmpty)
        for bad in ["../escape", "..", "a/b", ""] {
            #expect(throws: MaildirError.invalidFileName(bad)) {
                try store.removeMessage(user: user, baseName: "x", fileName: bad)
            }
        }
    }
}

/// Message files are served only when they are regular files reached without a symlink; a FIFO never blocks.
@Suite struct MessageFileKindTests {
    @Test func aMessageReplacedBySymlinkOrFIFOIsUnavailable() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1.a:2,", "one\n")
        try maildir.write("alice/cur/2.b:2,", "two\n")
        let secret = try maildir.write("secret", "not mail\n")
        let store = MaildirStore(root: maildir.root, index: nil, files: InlineExecutor())
        let drop = try await store.open(user: maildir.user())
        #expect(drop.messages.count == 2)
        let cur = maildir.root + "/alice/cur/"
        // After the scan, one file becomes a symlink to another file, the other a FIFO.
        #expect(unlink(cur + "1.a:2,") == 0 && symlink(secret, cur + "1.a:2,") == 0)
        #expect(unlink(cur + "2.b:2,") == 0 && mkfifo(cur + "2.b:2,", 0o600) == 0)
        for message in drop.messages {
            #expect(throws: MaildirError.messageVanished(message.baseName)) { try store.openMessage(message, in: drop) }
        }
    }
}
