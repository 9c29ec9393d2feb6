import Foundation
import Testing

extension SecurityIntegrationTests {
    /// The auth cache: a second good login skips the KDF (logged `auth=cache`); a password change or a deletion
    /// through the monitor drops the entry at once; `--auth-cache-ttl 0` turns it off.
    @Suite("Auth cache")
    struct AuthCacheTests {
        private static let user = (name: "carol", password: "carol's slow password")

        /// Logs in with USER/PASS on a new connection, quits, and returns PASS's answer.
        private static func login(_ password: String, port: Int) async throws -> String {
            let connection = try await RawConnection.open(port: port)
            defer { connection.close() }
            #expect(try await connection.command("USER \(user.name)").hasPrefix("+OK"))
            let answer = try await connection.command("PASS \(password)")
            _ = try await connection.command("QUIT")
            return answer
        }

        private static func authentications(_ server: ServerProcess) -> [String] {
            server.lines("login").filter { $0["user"] == user.name }.compactMap { $0["auth"] }
        }

        @Test func aSecondLoginIsServedFromTheCacheUntilThePasswordChanges() async throws {
            let workspace = try Workspace()
            try await workspace.createUsers([Self.user.name: Self.user.password])
            let server = try await ServerProcess.start(workspace)
            let monitor = try await ServerAddresses.monitorPort(of: server)

            let first = try await Self.login(Self.user.password, port: server.port)
            let second = try await Self.login(Self.user.password, port: server.port)
            #expect(first == "+OK Logged in." && second == "+OK Logged in.")
            #expect(await server.waitForLines("login", count: 2))
            #expect(Self.authentications(server) == ["kdf", "cache"])
            // The log's auth field is the server's own record of which path answered (a wall-clock comparison of
            // the two logins would only echo it, and the machine's load would decide it).
            // A wrong password is not answered from the cache.
            #expect(try await Self.login("wrong", port: server.port).hasPrefix("-ERR [AUTH]"))

            let changed = try await AdminCommand.run(
                ["users", "passwd", Self.user.name, "--password", "carol's new password"], monitorPort: monitor)
            #expect(changed.status == 0, "\(changed)")
            #expect(try await Self.login(Self.user.password, port: server.port).hasPrefix("-ERR [AUTH]"))
            #expect(try await Self.login("carol's new password", port: server.port) == "+OK Logged in.")
            #expect(try await Self.login("carol's new password", port: server.port) == "+OK Logged in.")
            #expect(await server.waitForLines("login", count: 4))
            #expect(Self.authentications(server) == ["kdf", "cache", "kdf", "cache"])

            let deleted = try await AdminCommand.run(["users", "del", Self.user.name], monitorPort: monitor)
            #expect(deleted.status == 0, "\(deleted)")
            #expect(try await Self.login("carol's new password", port: server.port).hasPrefix("-ERR [AUTH]"))
            #expect(try await server.stop() == 0)
        }

        @Test func lifetimeZeroRunsTheKDFEveryTime() async throws {
            let workspace = try Workspace()
            try await workspace.createUsers([Self.user.name: Self.user.password])
            let server = try await ServerProcess.start(workspace, options: ["--auth-cache-ttl", "0"])
            for _ in 0..<3 {
                #expect(try await Self.login(Self.user.password, port: server.port) == "+OK Logged in.")
            }
            #expect(await server.waitForLines("login", count: 3))
            #expect(Self.authentications(server) == ["kdf", "kdf", "kdf"])
            #expect(try await server.stop() == 0)
        }

        /// A change made outside this process (here an operator's database shell deleting the user; another node on
        /// a shared PostgreSQL database in `ClusterNodesTests`) must not leave the cached password working: each
        /// cached login checks the stored hash is unchanged.
        @Test func aChangeMadeOutsideTheServerIsSeen() async throws {
            let workspace = try Workspace()
            try await workspace.createUsers([Self.user.name: Self.user.password])
            let server = try await ServerProcess.start(workspace)
            #expect(try await Self.login(Self.user.password, port: server.port) == "+OK Logged in.")
            #expect(try await Self.login(Self.user.password, port: server.port) == "+OK Logged in.")
            #expect(await server.waitForLines("login", count: 2))
            #expect(Self.authentications(server) == ["kdf", "cache"], "the second login was not from the cache")

            _ = try await workspace.query("DELETE FROM users WHERE name = '\(Self.user.name)'")
            let stale = try await Self.login(Self.user.password, port: server.port)
            #expect(stale.hasPrefix("-ERR [AUTH]"), "a user deleted in the database still logs in: \(stale)")
            #expect(try await server.stop() == 0)
        }
    }
}
