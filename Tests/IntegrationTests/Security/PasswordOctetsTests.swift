import Foundation
import Storage
import Testing

/// Passwords are compared octet for octet as the client sent them. Decoding them as UTF-8 first turned every
/// invalid sequence into U+FFFD, so different passwords compared equal, and a Latin-1 password could never match
/// the crypt hash Dovecot made from its octets.
@Suite("Password octets")
struct PasswordOctetsTests {
    @Test func invalidUTF8IsNotTheReplacementCharacter() async throws {
        let workspace = try Workspace()
        // The password is U+FFFD itself, what any invalid octet used to decode to.
        try await workspace.createUsers(["alice": "\u{FFFD}"])
        let server = try await ServerProcess.start(workspace)
        let connection = try await RawConnection.open(port: server.port)
        #expect(try await connection.command("USER alice").hasPrefix("+OK"))
        try await connection.send(Array("PASS ".utf8) + [0xFF] + Array("\r\n".utf8))
        let wrong = try await connection.line()
        #expect(wrong.hasPrefix("-ERR [AUTH]"), "an invalid octet matched U+FFFD: \(wrong)")
        #expect(try await connection.command("USER alice").hasPrefix("+OK"))
        #expect(try await connection.command("PASS \u{FFFD}") == "+OK Logged in.")
        #expect(try await connection.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }

    @Test func aLatin1PasswordMatchesItsImportedCryptHash() async throws {
        let workspace = try Workspace()
        let latin1: [UInt8] = Array("caf".utf8) + [0xE9]  // "café" in ISO 8859-1
        let hash = try await Self.sha512Crypt(of: latin1, in: workspace)
        try await workspace.withStores { stores in
            try await stores.users.importUser(name: "bob", passwordHash: "{SHA512-CRYPT}" + hash)
        }
        let server = try await ServerProcess.start(workspace)
        let connection = try await RawConnection.open(port: server.port)
        #expect(try await connection.command("USER bob").hasPrefix("+OK"))
        try await connection.send(Array("PASS ".utf8) + latin1 + Array("\r\n".utf8))
        #expect(try await connection.line() == "+OK Logged in.")
        #expect(try await connection.command("QUIT").hasPrefix("+OK"))
        #expect(try await server.stop() == 0)
    }

    /// `openssl passwd -6` over the raw octets (read from a file, so no shell or locale re-encodes them).
    static func sha512Crypt(of password: [UInt8], in workspace: Workspace) async throws -> String {
        let file = workspace.path("password.bin")
        try Data(password).write(to: URL(fileURLWithPath: file))
        let result = try await ExternalCommand.run("openssl", ["passwd", "-6", "-in", file])
        guard result.status == 0 else { throw IntegrationError("openssl passwd failed: \(result)") }
        return String(decoding: result.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
