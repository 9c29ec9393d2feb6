import Testing

@testable import Maildir

@Suite struct DovecotUIDLMaildirTests {
    /// alice's maildrop after Dovecot saw three messages (UIDs 1, 2, 5; its UIDVALIDITY 0x10) and before a fourth
    /// arrived that Dovecot never saw.
    private func dovecotMaildrop() throws -> TemporaryMaildir {
        let maildir = try TemporaryMaildir()
        try maildir.write("alice/cur/300.C.host:2,S", "c\n")
        try maildir.write("alice/cur/100.A.host:2,", "a\n")
        try maildir.write("alice/new/200.B.host", "b\n")
        try maildir.write("alice/new/050.N.host", "new\n")
        // Dovecot's UIDs need not follow the names' timestamps (300 was delivered by another agent first).
        try maildir.write(
            "alice/dovecot-uidlist", "3 V16 N6 G0123\n1 W3 :300.C.host\n2 :100.A.host:2,\n5 W3 :200.B.host\n")
        try maildir.write("alice/tmp/.keep", "")
        return maildir
    }

    @Test func listedMessagesKeepDovecotsUIDLsAndOrder() async throws {
        let maildir = try dovecotMaildrop()
        defer { maildir.remove() }
        let drop = try await MaildirStore(root: maildir.root, index: nil, uidlSource: .dovecot, files: InlineExecutor())
            .open(user: maildir.user())
        #expect(drop.messages.map(\.baseName) == ["300.C.host", "100.A.host", "200.B.host", "050.N.host"])
        #expect(
            drop.messages.map(\.uidl) == ["0000000100000010", "0000000200000010", "0000000500000010", "050.N.host"])
        #expect(drop.statistics.dovecotUIDLs == 3)
        #expect(drop.statistics.uidListError == nil)
    }

    @Test func theDefaultSourceIgnoresTheFile() async throws {
        let maildir = try dovecotMaildrop()
        defer { maildir.remove() }
        let drop = try await MaildirStore(root: maildir.root, index: nil, files: InlineExecutor()).open(
            user: maildir.user())
        #expect(drop.messages.map(\.uidl) == ["050.N.host", "100.A.host", "200.B.host", "300.C.host"])
        #expect(drop.statistics.dovecotUIDLs == 0)
    }

    @Test func aMissingFileMeansOwnUIDLs() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/new/100.A.host", "a\n")
        let drop = try await MaildirStore(root: maildir.root, index: nil, uidlSource: .dovecot, files: InlineExecutor())
            .open(user: maildir.user())
        #expect(drop.messages.map(\.uidl) == ["100.A.host"])
        #expect(drop.statistics.uidListError == nil)
    }

    @Test func aMalformedFileMeansOwnUIDLsAndIsReported() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/new/100.A.host", "a\n")
        try maildir.write("alice/dovecot-uidlist", "garbage\n1 :100.A.host\n")
        let drop = try await MaildirStore(root: maildir.root, index: nil, uidlSource: .dovecot, files: InlineExecutor())
            .open(user: maildir.user())
        #expect(drop.messages.map(\.uidl) == ["100.A.host"])
        #expect(drop.statistics.uidListError?.contains("dovecot-uidlist") == true)
    }

    @Test func twoFilesWithOneListedBaseNameStillGetDistinctUIDLs() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/100.A.host:2,", "a\n")
        try maildir.write("alice/cur/100.A.host:2,S", "a again\n")
        try maildir.write("alice/dovecot-uidlist", "3 V1 N2\n1 :100.A.host\n")
        let drop = try await MaildirStore(root: maildir.root, index: nil, uidlSource: .dovecot, files: InlineExecutor())
            .open(user: maildir.user())
        #expect(drop.messages.count == 2)
        #expect(drop.messages[0].uidl == "0000000100000001")
        #expect(drop.messages[1].uidl != drop.messages[0].uidl)
        #expect(drop.statistics.dovecotUIDLs == 1)
    }

    @Test func anOwnUIDLThatEqualsADovecotOneIsReplaced() async throws {
        let maildir = try TemporaryMaildir()
        defer { maildir.remove() }
        try maildir.write("alice/cur/100.A.host:2,", "a\n")
        try maildir.write("alice/cur/0000000100000001:2,", "named like a Dovecot UIDL\n")
        try maildir.write("alice/dovecot-uidlist", "3 V1 N2\n1 :100.A.host\n")
        let drop = try await MaildirStore(root: maildir.root, index: nil, uidlSource: .dovecot, files: InlineExecutor())
            .open(user: maildir.user())
        #expect(drop.messages.map(\.baseName) == ["100.A.host", "0000000100000001"])
        #expect(drop.messages[0].uidl == "0000000100000001")
        #expect(drop.messages[1].uidl != "0000000100000001")
    }
}
