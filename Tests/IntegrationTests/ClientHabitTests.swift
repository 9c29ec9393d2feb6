import Foundation
import Testing

/// Replays what Outlook and Thunderbird send, and the limits a misbehaving client meets.
@Suite("Client habits")
struct ClientHabitTests {
    @Test func outlookDiscoveryThenUserPass() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF, SampleMessages.eightBit], user: user.name)
        let server = try await ServerProcess.start(workspace)
        let connection = try await RawConnection.open(port: server.port)

        #expect(try await connection.command("AUTH").hasPrefix("+OK"))
        #expect(try await connection.multilineLines().contains("PLAIN"))
        #expect(try await connection.command("AUTH NTLM").hasPrefix("-ERR"))
        #expect(try await connection.command("CAPA").hasPrefix("+OK"))
        let capabilities = try await connection.multilineLines()
        #expect(!capabilities.contains("STLS"), "STLS offered without TLS configured: \(capabilities)")
        #expect(try await connection.command("USER \(user.name)").hasPrefix("+OK"))
        #expect(try await connection.command("PASS \(user.password)").hasPrefix("+OK"))
        #expect(try await connection.command("STAT").hasPrefix("+OK 2 "))
        #expect(try await connection.command("UIDL").hasPrefix("+OK"))
        #expect(try await connection.multilineLines().count == 2)
        for number in 1...2 {
            #expect(try await connection.command("RETR \(number)").hasPrefix("+OK"))
            _ = try await connection.multilineBody()
        }
        #expect(try await connection.command("QUIT").hasPrefix("+OK"))
        // Outlook's "leave a copy on the server": nothing was deleted.
        #expect(workspace.maildir.messageFiles(user.name).count == 2)
        #expect(try await server.stop() == 0)
    }

    @Test func tooManyBadCommandsCloseTheSession() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace)
        let connection = try await RawConnection.open(port: server.port)
        try await connection.send(String(repeating: "XYZZY\r\n", count: 12))
        let (bytes, closed) = try await connection.readUntilClosed(timeout: 30)
        let answers = WireText.lines(bytes)
        #expect(closed, "still open after 12 unknown commands")
        #expect(answers.count == 10, "\(answers)")
        #expect(answers.allSatisfy { $0.hasPrefix("-ERR") })
        // A good command in between resets the count.
        let patient = try await RawConnection.open(port: server.port)
        for _ in 0..<3 {
            for _ in 0..<8 { #expect(try await patient.command("XYZZY").hasPrefix("-ERR")) }
            #expect(try await patient.command("CAPA").hasPrefix("+OK"))
            _ = try await patient.multilineBody()
        }
        #expect(try await patient.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }

    @Test func longPasswordWithSpacesFitsInOneLine() async throws {
        let workspace = try Workspace()
        let password = String(repeating: "pass word ", count: 100)  // 1,000 octets, spaces included
        try await workspace.createUsers(["longpw": password])
        let server = try await ServerProcess.start(workspace)
        let connection = try await RawConnection.open(port: server.port)
        #expect(try await connection.command("USER longpw").hasPrefix("+OK"))
        #expect(try await connection.command("PASS \(password)").hasPrefix("+OK"))
        #expect(try await connection.command("QUIT").hasPrefix("+OK"))
        let wrong = try await RawConnection.open(port: server.port)
        #expect(try await wrong.command("USER longpw").hasPrefix("+OK"))
        #expect(try await wrong.command("PASS \(password.dropLast())").hasPrefix("-ERR [AUTH]"))
        #expect(try await server.stop() == 0)
    }
}
