import Foundation
import Glibc
import Testing

/// A maildrop polled again with nothing new is answered from its last listing (no scan); a delivery into `new/`, a
/// removal from `cur/` and a flag rename by another program must still be seen by the next login of the real server.
@Suite("Maildrop listing")
struct MaildropListingTests {
    /// Dates both folders an hour back, as if the last change were long ago (the listing is only written for
    /// folders whose times are older than the 2 s change-detection granularity).
    private func settle(_ workspace: Workspace, _ user: String) {
        for folder in ["cur", "new"] {
            let path = workspace.maildir.userFolder(user).appendingPathComponent(folder).path
            var times = [
                timespec(tv_sec: time(nil) - 3_600, tv_nsec: 0), timespec(tv_sec: time(nil) - 3_600, tv_nsec: 0),
            ]
            #expect(utimensat(AT_FDCWD, path, &times, 0) == 0)
        }
    }

    private func stat(_ user: (name: String, password: String), port: Int) async throws -> String {
        let connection = try await DeletionTests.login(user, port: port)
        let answer = try await connection.command("STAT")
        _ = try await connection.command("QUIT")
        connection.close()
        return answer
    }

    @Test func changesByOtherProgramsAreSeenThroughTheListing() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        for number in 1...3 {
            try workspace.maildir.deliver(
                Array("Subject: \(number)\n\nbody \(number)\n".utf8), user: user.name,
                name: "170000000\(number).m\(number)")
        }
        let server = try await ServerProcess.start(workspace)
        let listing = workspace.maildir.userFolder(user.name).appendingPathComponent(".pop3d-listing").path

        #expect(try await stat(user, port: server.port).hasPrefix("+OK 3 "))
        settle(workspace, user.name)
        #expect(try await stat(user, port: server.port).hasPrefix("+OK 3 "))
        #expect(FileManager.default.fileExists(atPath: listing), "a settled maildrop's scan leaves a listing")
        // Served from the listing: the same answer.
        #expect(try await stat(user, port: server.port).hasPrefix("+OK 3 "))
        #expect(await server.waitForLines("login", count: 3))
        #expect(server.lines("login").map { $0.fields["maildrop"] } == ["scan", "scan", "listing"])

        // A delivery into new/ by another program.
        try workspace.maildir.deliver(Array("Subject: 4\n\nbody 4\n".utf8), user: user.name, name: "1700000004.m4")
        #expect(try await stat(user, port: server.port).hasPrefix("+OK 4 "))
        #expect(await server.waitForLines("login", count: 4))
        #expect(server.lines("login").last?.fields["maildrop"] == "scan")

        // A removal from cur/ by another program, once the listing is settled again.
        settle(workspace, user.name)
        #expect(try await stat(user, port: server.port).hasPrefix("+OK 4 "))
        let cur = workspace.maildir.userFolder(user.name).appendingPathComponent("cur")
        let victim = try #require(
            try FileManager.default.contentsOfDirectory(atPath: cur.path).first { $0.hasPrefix("1700000002") })
        #expect(unlink(cur.appendingPathComponent(victim).path) == 0)
        #expect(try await stat(user, port: server.port).hasPrefix("+OK 3 "))

        // A flag change (a rename in cur/) by another client: the next UIDL and LIST still name every message.
        settle(workspace, user.name)
        #expect(try await stat(user, port: server.port).hasPrefix("+OK 3 "))
        let flagged = try #require(
            try FileManager.default.contentsOfDirectory(atPath: cur.path).first { $0.hasPrefix("1700000001") })
        #expect(rename(cur.appendingPathComponent(flagged).path, cur.appendingPathComponent(flagged + "S").path) == 0)
        let connection = try await DeletionTests.login(user, port: server.port)
        #expect(try await connection.command("RETR 1").hasPrefix("+OK"))
        _ = try await connection.multilineBody()
        _ = try await connection.command("QUIT")
        connection.close()
    }
}
