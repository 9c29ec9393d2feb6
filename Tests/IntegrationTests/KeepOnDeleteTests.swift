import Foundation
import Testing

/// Keep-on-delete (`--keep-deleted-keyword`): DELE and QUIT hide a message behind a maildir keyword the way
/// Dovecot's pop3_deleted_flag does, instead of removing its file.
@Suite("Keep on delete")
struct KeepOnDeleteTests {
    static let keyword = "$POP3Deleted"

    @Test func mpopDoesNotDownloadHiddenMessagesAgainAndTheyStayOnDisk() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll(SampleMessages.mixed, user: user.name)
        let server = try await ServerProcess.start(workspace, options: ["--keep-deleted-keyword", Self.keyword])
        let mpop = try MpopAccount(
            workspace: workspace, port: server.port, user: user.name, secret: .password(user.password), auth: "user",
            keep: false)
        let first = try await mpop.run(debug: false)
        #expect(first.status == 0, "\(first)\n\(server.transcript)")
        #expect(try mpop.deliveredFiles().count == SampleMessages.mixed.count)

        // Still on disk, each with the keyword's letter (never T), mapped in dovecot-keywords.
        let files = workspace.maildir.messageFiles(user.name)
        #expect(files.count == SampleMessages.mixed.count)
        #expect(files.allSatisfy { $0.hasSuffix(":2,a") }, "\(files)")
        let keywords = try String(
            contentsOf: workspace.maildir.userFolder(user.name).appendingPathComponent("dovecot-keywords"),
            encoding: .utf8)
        #expect(keywords == "0 \(Self.keyword)\n")

        // A second run finds nothing: mpop is offered no message, and downloads none again.
        let second = try await mpop.run(debug: false)
        #expect(second.status == 0, "\(second)")
        #expect(try mpop.deliveredFiles().count == SampleMessages.mixed.count)
        #expect(workspace.maildir.messageFiles(user.name).count == SampleMessages.mixed.count)
        #expect(try await server.stop() == 0)
    }

    @Test func hiddenMessagesLeaveTheOtherUIDLsAlone() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll(
            [SampleMessages.plainCRLF, SampleMessages.bareLF, SampleMessages.dotLines], user: user.name)
        // A keyword of the maildrop's own (from an IMAP client) keeps its letter; ours gets the next one.
        try Data("0 $Junk\n".utf8).write(
            to: workspace.maildir.userFolder(user.name).appendingPathComponent("dovecot-keywords"))
        let server = try await ServerProcess.start(workspace, options: ["--keep-deleted-keyword", Self.keyword])

        let client = try await DeletionTests.login(user, port: server.port)
        #expect(try await client.command("UIDL").hasPrefix("+OK"))
        let before = try await client.multilineLines()
        #expect(try await client.command("DELE 2").hasPrefix("+OK"))
        #expect(try await client.command("QUIT").hasPrefix("+OK"))

        let again = try await DeletionTests.login(user, port: server.port)
        #expect(try await again.command("STAT").hasPrefix("+OK 2 "))
        #expect(try await again.command("UIDL").hasPrefix("+OK"))
        let after = try await again.multilineLines()
        let uids = { (lines: [String]) in lines.map { $0.split(separator: " ").last.map(String.init) ?? "" } }
        #expect(uids(after) == [uids(before)[0], uids(before)[2]])
        #expect(try await again.command("QUIT").hasPrefix("+OK"))
        let hidden = workspace.maildir.messageFiles(user.name).filter { $0.hasSuffix(":2,b") }
        #expect(hidden.count == 1, "\(workspace.maildir.messageFiles(user.name))")
        let keywords = try String(
            contentsOf: workspace.maildir.userFolder(user.name).appendingPathComponent("dovecot-keywords"),
            encoding: .utf8)
        #expect(keywords == "0 $Junk\n1 \(Self.keyword)\n")

        // pop3ctl lists it, and purges it only once it was hidden long enough.
        let monitor = try await ServerAddresses.monitorPort(of: server)
        let listed = try await AdminCommand.run(["users", "hidden", user.name], monitorPort: monitor)
        #expect(listed.status == 0, "\(listed)")
        #expect(listed.output.contains(hidden[0].split(separator: "/").last.map(String.init) ?? "?"), "\(listed)")
        #expect(listed.output.contains("1 hidden message"), "\(listed)")
        let early = try await AdminCommand.run(
            ["users", "purge-hidden", user.name, "--older-than", "1"], monitorPort: monitor)
        #expect(early.output.contains("removed 0 hidden messages"), "\(early)")
        #expect(workspace.maildir.messageFiles(user.name).count == 3)
        let purge = try await AdminCommand.run(
            ["users", "purge-hidden", user.name, "--older-than", "0"], monitorPort: monitor)
        #expect(purge.output.contains("removed 1 hidden message of"), "\(purge)")
        #expect(workspace.maildir.messageFiles(user.name).count == 2)
        let unknown = try await AdminCommand.run(["users", "hidden", "nobody"], monitorPort: monitor)
        #expect(unknown.status == 1, "\(unknown)")
        #expect(try await server.stop() == 0)
    }

    @Test func withoutTheOptionDeletionsUnlinkAndThereIsNoArchive() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: user.name)
        let server = try await ServerProcess.start(workspace)
        let client = try await DeletionTests.login(user, port: server.port)
        #expect(try await client.command("DELE 1").hasPrefix("+OK"))
        #expect(try await client.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(user.name).isEmpty)
        let monitor = try await ServerAddresses.monitorPort(of: server)
        let listed = try await AdminCommand.run(["users", "hidden", user.name], monitorPort: monitor)
        #expect(listed.status == 1)
        #expect(listed.errors.contains("keep-on-delete is off"), "\(listed)")
        #expect(try await server.stop() == 0)
    }
}
