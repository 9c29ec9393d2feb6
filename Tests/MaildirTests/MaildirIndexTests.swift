import Foundation
import Glibc
import Testing

@testable import Maildir

@Suite struct MaildirIndexTests {
    @Test func secondOpenReadsNoBodies() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        for number in 1...5 { try maildir.write("alice/cur/\(number).m:2,", "Subject: \(number)\n\nbody\n") }
        let index = CountingIndexStore()
        let store = MaildirStore(root: maildir.root, index: index, files: InlineExecutor())
        let first = try await store.open(user: maildir.user())
        #expect(first.statistics.filesRead == 5)
        #expect(index.snapshot.updates == 1)
        #expect(index.snapshot.lastUpsert.count == 5)

        let second = try await store.open(user: maildir.user())
        #expect(second.statistics.filesRead == 0)
        #expect(second.statistics.bytesRead == 0)
        #expect(second.statistics.indexHits == 5)
        #expect(index.snapshot.updates == 1)
        #expect(second.messages == first.messages)
    }

    @Test func goneFileIsForgotten() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1.a:2,", "a\n")
        try maildir.write("alice/cur/2.b:2,", "b\n")
        let index = CountingIndexStore()
        let store = MaildirStore(root: maildir.root, index: index, files: InlineExecutor())
        _ = try await store.open(user: maildir.user())
        #expect(unlink(maildir.root + "/alice/cur/2.b:2,") == 0)
        let drop = try await store.open(user: maildir.user())
        #expect(drop.statistics.filesRead == 0)
        #expect(drop.messages.map(\.baseName) == ["1.a"])
        #expect(index.snapshot.lastRemove == ["2.b"])
        #expect(index.snapshot.rows["alice"]?.keys.sorted() == ["1.a"])
    }

    /// Maildir files never change, so the scan trusts the index by name; a file rewritten in place anyway is
    /// noticed when a session opens it, and measured again by the next scan.
    @Test func fileChangedInPlaceIsMeasuredAgainOnceOpened() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1.a:2,", "a\n")
        let index = CountingIndexStore()
        let store = MaildirStore(root: maildir.root, index: index, files: InlineExecutor())
        _ = try await store.open(user: maildir.user())
        try maildir.write("alice/cur/1.a:2,", "changed\n")
        let trusted = try await store.open(user: maildir.user())
        #expect(trusted.statistics.indexHits == 1)
        let reader = try store.openMessage(trusted.messages[0], in: trusted)
        #expect(reader.fileSize == 8)
        reader.close()
        // The row goes in the background (the reader is served first): wait for that, boundedly.
        let deadline = ContinuousClock.now + .seconds(30)
        while index.snapshot.rows["alice"]?["1.a"] != nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(index.snapshot.rows["alice"]?["1.a"] == nil)
        let measured = try await store.open(user: maildir.user())
        #expect(measured.statistics.filesRead == 1)
        #expect(measured.messages.map(\.wireSize) == [9])
    }

    @Test func indexRowIsNotTrustedWhenTheNamesSizeFieldDiffers() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1.a,S=4:2,", "abc\n")
        let index = CountingIndexStore()
        index.state.withLock {
            $0.rows["alice"] = [
                "1.a,S=4": .init(baseName: "1.a,S=4", fileSize: 99, modificationTime: 0, wireSize: 1234)
            ]
        }
        let drop = try await MaildirStore(root: maildir.root, index: index, files: InlineExecutor()).open(
            user: maildir.user())
        #expect(drop.messages.map(\.wireSize) == [5])
        #expect(drop.statistics.filesRead == 1)
        #expect(index.snapshot.rows["alice"]?["1.a,S=4"]?.fileSize == 4)
    }

    @Test func sizeFieldIsReadFromTheBaseNameOnly() {
        #expect(MaildropMessage.sizeField(ofFileName: "1.M2P3.host,S=1234:2,S") == 1234)
        #expect(MaildropMessage.sizeField(ofFileName: "1.M2P3.host,S=12,W=14:2,") == 12)
        #expect(MaildropMessage.sizeField(ofFileName: "1.M2P3.host:2,S=5") == nil)
        #expect(MaildropMessage.sizeField(ofFileName: "1.M2P3.host,S=:2,") == nil)
        #expect(MaildropMessage.sizeField(ofFileName: ",S=7") == 7)
        #expect(MaildropMessage.sizeField(ofFileName: "plain") == nil)
    }

    @Test func unreadableIndexFallsBackToReadingFiles() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1.a:2,", "abc\n")
        let index = CountingIndexStore()
        index.state.withLock { $0.failReads = true }
        let drop = try await MaildirStore(root: maildir.root, index: index, files: InlineExecutor()).open(
            user: maildir.user())
        #expect(drop.messages.map(\.wireSize) == [5])
        #expect(drop.statistics.indexError != nil)
        #expect(index.snapshot.updates == 0)
    }
}
