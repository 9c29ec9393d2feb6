import Foundation
import Glibc
import Storage
import Testing

@testable import Maildir

/// The listing a scan leaves for an unchanged maildrop: used only while `cur/` and `new/` carry the stamps it was
/// written under, and only when those stamps were settled; any delivery, removal or rename is seen.
@Suite struct MaildropListingTests {
    private static let second: Int64 = 1_000_000_000

    /// A maildrop of three messages delivered to `new/`, scanned once, its folders then dated an hour back (as if
    /// the last change were long ago), and scanned again: that scan leaves a listing.
    private func settledMaildrop() async throws -> (TemporaryMaildir, MaildirStore, Maildrop) {
        let maildir = try TemporaryMaildir()
        for number in 1...3 {
            try maildir.write("alice/new/\(1_700_000_000 + number).m\(number).host", "Subject: \(number)\n\nbody\n")
        }
        try maildir.write("alice/tmp/.keep", "")
        let store = MaildirStore(root: maildir.root, index: nil, files: InlineExecutor())
        _ = try await store.open(user: maildir.user())
        #expect(!maildir.exists("alice/" + MaildropListing.fileName), "folders changed just now are not trusted")
        try age(maildir, "alice/cur")
        try age(maildir, "alice/new")
        let scanned = try await store.open(user: maildir.user())
        #expect(maildir.exists("alice/" + MaildropListing.fileName))
        return (maildir, store, scanned)
    }

    /// Sets a folder's modification time an hour back (its change time stays now).
    private func age(_ maildir: TemporaryMaildir, _ folder: String) throws {
        var times = [timespec(tv_sec: time(nil) - 3_600, tv_nsec: 0), timespec(tv_sec: time(nil) - 3_600, tv_nsec: 0)]
        #expect(utimensat(AT_FDCWD, maildir.root + "/" + folder, &times, 0) == 0)
    }

    @Test func anUnchangedMaildropIsListedWithoutAScan() async throws {
        let (maildir, store, scanned) = try await settledMaildrop()
        defer { maildir.remove() }
        let cached = try #require(store.cachedListing(user: maildir.user()))
        #expect(cached.maildrop.messages == scanned.messages)
        #expect(cached.maildrop.messages.count == 3)
        #expect(cached.maildrop.totalWireSize == scanned.totalWireSize)
        #expect(cached.maildrop.statistics.fromListing)
        #expect(store.foldersUnchanged(user: try maildir.user(), since: cached.stamps))
    }

    @Test func aDeliveryIntoNewIsSeen() async throws {
        let (maildir, store, _) = try await settledMaildrop()
        defer { maildir.remove() }
        try maildir.write("alice/tmp/1700000009.m9.host", "Subject: 9\n\nnew\n")
        #expect(
            rename(maildir.root + "/alice/tmp/1700000009.m9.host", maildir.root + "/alice/new/1700000009.m9.host") == 0)
        #expect(store.cachedListing(user: try maildir.user()) == nil)
        let opened = try await store.open(user: maildir.user())
        #expect(opened.messages.count == 4)
    }

    @Test func aRemovalByAnotherProgramIsSeen() async throws {
        let (maildir, store, scanned) = try await settledMaildrop()
        defer { maildir.remove() }
        #expect(unlink(maildir.root + "/alice/cur/" + scanned.messages[1].fileName) == 0)
        #expect(store.cachedListing(user: try maildir.user()) == nil)
        #expect(try await store.open(user: maildir.user()).messages.count == 2)
    }

    @Test func aFlagChangeIsSeen() async throws {
        let (maildir, store, scanned) = try await settledMaildrop()
        defer { maildir.remove() }
        let old = maildir.root + "/alice/cur/" + scanned.messages[0].fileName
        #expect(rename(old, old + "S") == 0)
        #expect(store.cachedListing(user: try maildir.user()) == nil)
        let opened = try await store.open(user: maildir.user())
        #expect(opened.messages[0].fileName == scanned.messages[0].fileName + "S")
    }

    /// Someone removes a message and puts the folder's modification time back: its change time still moved.
    @Test func aChangeWhoseModificationTimeIsPutBackIsSeen() async throws {
        let (maildir, store, scanned) = try await settledMaildrop()
        defer { maildir.remove() }
        // The change must come in a later tick of the file system's clock than the stamp's change time.
        let stamps = try #require(store.cachedListing(user: maildir.user())).stamps
        while MaildropListing.realTime() < stamps.cur.changeTime + 50_000_000 {
            try await Task.sleep(for: .milliseconds(5))
        }
        var before = stat()
        #expect(stat(maildir.root + "/alice/cur", &before) == 0)
        #expect(unlink(maildir.root + "/alice/cur/" + scanned.messages[2].fileName) == 0)
        var times = [before.st_atim, before.st_mtim]
        #expect(utimensat(AT_FDCWD, maildir.root + "/alice/cur", &times, 0) == 0)
        #expect(store.cachedListing(user: try maildir.user()) == nil)
    }

    @Test func aFolderChangedJustNowIsScannedEveryTime() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/1700000001.a:2,", "a\n")
        try maildir.write("alice/new/.keep", "")
        let store = MaildirStore(root: maildir.root, index: nil, files: InlineExecutor())
        _ = try await store.open(user: maildir.user())
        _ = try await store.open(user: maildir.user())
        #expect(store.cachedListing(user: try maildir.user()) == nil)
    }

    @Test func aDamagedOrPlantedListingIsIgnored() async throws {
        let (maildir, store, _) = try await settledMaildrop()
        defer { maildir.remove() }
        let path = maildir.root + "/alice/" + MaildropListing.fileName
        let good = try Data(contentsOf: URL(fileURLWithPath: path))
        // Cut short, one byte changed in a name length, garbage: each refused.
        try good.prefix(good.count - 3).write(to: URL(fileURLWithPath: path))
        #expect(store.cachedListing(user: try maildir.user()) == nil)
        for position in stride(from: 0, to: good.count, by: 7) {
            var flipped = good
            flipped[flipped.startIndex + position] ^= 0x20
            try flipped.write(to: URL(fileURLWithPath: path))
            #expect(store.cachedListing(user: try maildir.user()) == nil, "octet \(position) changed")
        }
        try Data(repeating: 0xFF, count: 4_096).write(to: URL(fileURLWithPath: path))
        #expect(store.cachedListing(user: try maildir.user()) == nil)
        // A symlink in its place is not followed.
        #expect(unlink(path) == 0)
        try good.write(to: URL(fileURLWithPath: maildir.root + "/elsewhere"))
        #expect(symlink(maildir.root + "/elsewhere", path) == 0)
        #expect(store.cachedListing(user: try maildir.user()) == nil)
    }

    @Test func aListingRoundTrips() throws {
        let messages = [
            MaildropMessage(fileName: "1.a:2,S", baseName: "1.a", uidl: "1.a", wireSize: 10, fileSize: 9),
            MaildropMessage(fileName: "2 b:2,", baseName: "2 b", uidl: UIDL.hashed("2 b"), wireSize: 0, fileSize: 0),
        ]
        let stamp = FolderStamp(device: 1, inode: 2, size: 4_096, modificationTime: 5, changeTime: 6)
        let stamps = MaildropListing.Stamps(cur: stamp, new: stamp, observedAt: 100 * Self.second)
        let bytes = MaildropListing.encode(messages, stamps: stamps, skippedEntries: 2)
        let decoded = try #require(bytes.withUnsafeBytes { MaildropListing.decode($0) })
        #expect(decoded.messages == messages)
        #expect(decoded.stamps == stamps)
        #expect(decoded.skippedEntries == 2)
    }

    /// What the stamps are trusted for: the 2 s granularity, a clock that stands still, a folder dated ahead.
    @Test func settledMeansOlderThanTheGranularity() {
        let now = 1_000 * Self.second
        func stamp(modified: Int64, changed: Int64) -> FolderStamp {
            FolderStamp(device: 1, inode: 1, size: 4_096, modificationTime: modified, changeTime: changed)
        }
        #expect(stamp(modified: now - 3 * Self.second, changed: now - 3 * Self.second).isSettled(observedAt: now))
        // Nanosecond times a moment ago, or whole seconds of a 1 s file system: a change in the same tick would not
        // move them.
        #expect(!stamp(modified: now - Self.second / 100, changed: now - Self.second / 100).isSettled(observedAt: now))
        #expect(!stamp(modified: now - Self.second, changed: now - Self.second).isSettled(observedAt: now))
        // The clock stood still since the change.
        #expect(!stamp(modified: now, changed: now).isSettled(observedAt: now))
        // Dated ahead of the clock (a clock set back, another host's clock).
        #expect(!stamp(modified: now + 60 * Self.second, changed: now + 60 * Self.second).isSettled(observedAt: now))
        // Modification time set back by hand long before its change time: a later change moves the first.
        #expect(stamp(modified: now - 3_600 * Self.second, changed: now).isSettled(observedAt: now))
    }
}
