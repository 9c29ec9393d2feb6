import Foundation
import Testing

/// Maildir behaviour seen from a client: new mail moves to cur/, UIDLs survive flag changes,
/// a missing maildrop is an empty one, and a message deleted by another program is an error, not a crash.
@Suite("Maildrop")
struct MaildropTests {
    @Test func newMailMovesToCurAndUIDLsSurviveFlagChanges() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.bareLF], user: user.name)
        let server = try await ServerProcess.start(workspace)

        let first = try await DeletionTests.login(user, port: server.port)
        #expect(try await first.command("UIDL").hasPrefix("+OK"))
        let before = try await first.multilineLines()
        #expect(try await first.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(user.name) == ["cur/0001.it:2,", "cur/0002.it:2,"])

        // Another program (a local mail reader) sets flags: the names change, the UIDLs must not.
        let cur = workspace.maildir.userFolder(user.name).appendingPathComponent("cur")
        try FileManager.default.moveItem(
            at: cur.appendingPathComponent("0001.it:2,"), to: cur.appendingPathComponent("0001.it:2,RS"))
        let second = try await DeletionTests.login(user, port: server.port)
        #expect(try await second.command("UIDL").hasPrefix("+OK"))
        #expect(try await second.multilineLines() == before)
        #expect(try await second.command("RETR 1").hasPrefix("+OK"))
        _ = try await second.multilineBody()
        #expect(try await second.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }

    @Test func missingMaildropIsEmptyAndVanishedMessagesAreErrors() async throws {
        let workspace = try Workspace()
        try await workspace.createUsers(TestUsers.both)
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.dotLines], user: TestUsers.bob.name)
        let server = try await ServerProcess.start(workspace)

        // alice has no folder at all yet.
        let empty = try await DeletionTests.login(TestUsers.alice, port: server.port)
        #expect(try await empty.command("STAT") == "+OK 0 0")
        #expect(try await empty.command("LIST").hasPrefix("+OK"))
        #expect(try await empty.multilineBody() == [])
        #expect(try await empty.command("RETR 1").hasPrefix("-ERR"))
        #expect(try await empty.command("QUIT").hasPrefix("+OK"))

        // A message another program removes in the middle of a session.
        let session = try await DeletionTests.login(TestUsers.bob, port: server.port)
        #expect(try await session.command("STAT").hasPrefix("+OK 2 "))
        let uid = try await DeletionTests.uid(of: 1, on: session)
        let cur = workspace.maildir.userFolder(TestUsers.bob.name).appendingPathComponent("cur")
        for name in try FileManager.default.contentsOfDirectory(atPath: cur.path) where name.hasPrefix(uid) {
            try FileManager.default.removeItem(at: cur.appendingPathComponent(name))
        }
        #expect(try await session.command("RETR 1").hasPrefix("-ERR"))
        #expect(try await session.command("TOP 1 0").hasPrefix("-ERR"))
        #expect(try await session.command("RETR 2").hasPrefix("+OK"))
        _ = try await session.multilineBody()
        // DELE of the vanished message succeeds: its number stays valid for the session (numbers never shift),
        // and what the client asked for (the message gone) holds; QUIT's UPDATE finds nothing left to remove.
        let dele = try await session.command("DELE 1")
        #expect(dele == "+OK Message 1 deleted.", "\(dele)")
        #expect(try await session.command("STAT").hasPrefix("+OK 1 "))
        #expect(try await session.command("QUIT") == "+OK Logging out, messages deleted.")
        #expect(workspace.maildir.messageFiles(TestUsers.bob.name).count == 1)
        #expect(server.isRunning)
        #expect(try await server.stop() == 0)
    }

    @Test func oddFileNamesGetValidStableUIDLsAndEmptyMessagesWork() async throws {
        let workspace = try Workspace()
        let user = TestUsers.bob
        try await workspace.createUsers([user.name: user.password])
        let names = ["1.plain", "2." + String(repeating: "L", count: 100), "3.caf\u{E9}", "4 with space", "5.empty"]
        for (index, name) in names.enumerated() {
            try workspace.maildir.deliver(index == 4 ? [] : SampleMessages.numbered(index), user: user.name, name: name)
        }
        let server = try await ServerProcess.start(workspace)
        var sessions: [[String]] = []
        for _ in 0..<2 {
            let session = try await DeletionTests.login(user, port: server.port)
            #expect(try await session.command("UIDL").hasPrefix("+OK"))
            let uids = try await session.multilineLines().map { String($0.split(separator: " ")[1]) }
            sessions.append(uids)
            // RFC 1939: 1 to 70 characters in 0x21...0x7E, unique within the maildrop.
            for uid in uids {
                #expect(
                    (1...70).contains(uid.utf8.count) && uid.utf8.allSatisfy { (0x21...0x7E).contains($0) }, "\(uid)")
            }
            #expect(Set(uids).count == names.count)
            #expect(uids.contains("1.plain"))
            let empty = try #require(uids.firstIndex(of: "5.empty")) + 1
            #expect(try await session.command("LIST \(empty)") == "+OK \(empty) 0")
            #expect(try await session.command("RETR \(empty)").hasPrefix("+OK"))
            #expect(try await session.multilineBody() == [])
            #expect(try await session.command("TOP \(empty) 0").hasPrefix("+OK"))
            #expect(try await session.multilineBody() == [])
            #expect(try await session.command("QUIT").hasPrefix("+OK"))
        }
        #expect(sessions[0] == sessions[1])
        #expect(try await server.stop() == 0)
    }
}
