import Foundation
import Testing

/// App passwords end to end: `pop3ctl users app-password add` prints one, USER/PASS and AUTH PLAIN accept it beside
/// the user's password, `list` shows its use, and `revoke` stops it at once, even right after a login the auth
/// cache remembers.
@Suite("App passwords")
struct AppPasswordTests {
    private static let user = (name: "dora", password: "dora's own password")

    private static func login(_ password: String, port: Int) async throws -> String {
        let connection = try await RawConnection.open(port: port)
        defer { connection.close() }
        #expect(try await connection.command("USER \(user.name)").hasPrefix("+OK"))
        let answer = try await connection.command("PASS \(password)")
        _ = try await connection.command("QUIT")
        return answer
    }

    private static func plainLogin(_ password: String, port: Int) async throws -> String {
        let connection = try await RawConnection.open(port: port)
        defer { connection.close() }
        let response = Data("\0\(user.name)\0\(password)".utf8).base64EncodedString()
        let answer = try await connection.command("AUTH PLAIN \(response)")
        _ = try await connection.command("QUIT")
        return answer
    }

    @Test func addLoginListRevoke() async throws {
        let workspace = try Workspace()
        try await workspace.createUsers([Self.user.name: Self.user.password])
        let server = try await ServerProcess.start(workspace)
        let monitor = try await ServerAddresses.monitorPort(of: server)

        let added = try await AdminCommand.run(
            ["users", "app-password", "add", Self.user.name, "phone"], monitorPort: monitor)
        #expect(added.status == 0, "\(added)")
        let phone = String(decoding: added.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(phone.count == 19 && phone.split(separator: "-").count == 4, "\(phone)")
        let laptop = try await AdminCommand.run(
            ["users", "app-password", "add", Self.user.name, "laptop"], monitorPort: monitor)
        #expect(laptop.status == 0)
        let again = try await AdminCommand.run(
            ["users", "app-password", "add", Self.user.name, "phone"], monitorPort: monitor)
        #expect(again.status == 1, "a label is unique per user: \(again)")
        let nobody = try await AdminCommand.run(
            ["users", "app-password", "add", "nobody", "phone"], monitorPort: monitor)
        #expect(nobody.status == 1, "\(nobody)")

        // Every password mechanism takes it, and the user's own password still works.
        #expect(try await Self.login(phone, port: server.port) == "+OK Logged in.")
        #expect(try await Self.plainLogin(phone, port: server.port) == "+OK Logged in.")
        #expect(try await Self.login(Self.user.password, port: server.port) == "+OK Logged in.")
        #expect(await server.waitForLines("login", count: 3))
        #expect(server.lines("login").compactMap { $0["auth"] }.contains("cache"), "the second login is cached")

        // Stored hashed (scrypt, like passwords), with its label and times: rows sqlite3 and psql can read.
        let rows = try await workspace.query(
            sqlite:
                "SELECT label, password_hash LIKE '$scrypt$%', last_used_at IS NOT NULL FROM app_passwords ORDER BY label",
            postgresql:
                "SELECT label, CASE WHEN password_hash LIKE '$scrypt$%' THEN 1 ELSE 0 END, CASE WHEN last_used_at IS NOT NULL THEN 1 ELSE 0 END FROM app_passwords ORDER BY label"
        )
        #expect(rows == ["laptop|1|0", "phone|1|1"], "\(rows)")
        let listed = try await AdminCommand.run(
            ["users", "app-password", "list", Self.user.name, "--json"], monitorPort: monitor)
        #expect(listed.status == 0, "\(listed)")
        struct Entry: Decodable {
            let label: String
            let created: Int64
            let last_used: Int64?
        }
        let entries = try JSONDecoder().decode([Entry].self, from: Data(listed.stdout))
        #expect(entries.map(\.label) == ["laptop", "phone"])
        #expect(entries[0].last_used == nil && entries[1].last_used != nil)

        // Revoked: refused at once, though the auth cache had just accepted it.
        let revoked = try await AdminCommand.run(
            ["users", "app-password", "revoke", Self.user.name, "phone"], monitorPort: monitor)
        #expect(revoked.status == 0, "\(revoked)")
        #expect(try await Self.login(phone, port: server.port).hasPrefix("-ERR [AUTH]"))
        #expect(try await Self.plainLogin(phone, port: server.port).hasPrefix("-ERR [AUTH]"))
        #expect(try await Self.login(Self.user.password, port: server.port) == "+OK Logged in.")
        let missing = try await AdminCommand.run(
            ["users", "app-password", "revoke", Self.user.name, "phone"], monitorPort: monitor)
        #expect(missing.status == 1, "\(missing)")
        // Deleting the user deletes its app passwords.
        #expect(try await AdminCommand.run(["users", "del", Self.user.name], monitorPort: monitor).status == 0)
        #expect(try await workspace.query("SELECT count(*) FROM app_passwords") == ["0"])
        #expect(try await server.stop() == 0)
    }
}
