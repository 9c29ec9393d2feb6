import Foundation
import Storage
import Testing

/// A database pop3d creates holds no known credentials: no POP3 user, and one admin whose random token is shown
/// once (a 0600 file beside the database). The seed's foo/bar and token come only with --quick-start-credentials.
@Suite struct FirstRunCredentialsTests {
    static func tokenFile(_ workspace: Workspace) -> String { workspace.adminTokenFile }

    @Test func aNewDatabaseGetsARandomAdminTokenAndNoUser() async throws {
        let workspace = try Workspace()
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: SeedDefaults.userName)
        let server = try await ServerProcess.start(workspace, quickStartCredentials: false)
        let file = Self.tokenFile(workspace)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let token = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(token.utf8.count == 16 && token != SeedDefaults.adminToken, "\(token)")
        #expect(server.log.contains("new database: monitor admin created"), "\(server.transcript)")
        #expect(!server.log.contains(token), "the token is in the file, not in the log")

        let client = try await RawConnection.open(port: server.port)
        #expect(try await client.command("USER foo").hasPrefix("+OK"))
        #expect(try await client.command("PASS bar").hasPrefix("-ERR"))
        #expect(try await client.command("QUIT").hasPrefix("+OK"))
        let monitorPort = try await OperationsTools.monitorPort(of: server)
        let seed = try await OperationsTools.pop3ctl(["users", "list"], monitorPort: monitorPort)
        #expect(seed.status != 0, "the seed token opens nothing: \(seed)")
        let listed = try await OperationsTools.pop3ctl(["users", "list"], monitorPort: monitorPort, token: token)
        #expect(listed.status == 0, "\(listed)")
        #expect(!listed.output.contains("foo"), "\(listed)")
        #expect(try await server.stop() == 0)

        // Shown once: a restart on the same database writes no new token.
        try FileManager.default.removeItem(atPath: file)
        let again = try await server.restart()
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(!again.log.contains("new database"))
        #expect(try await again.stop() == 0)
    }

    @Test func theQuickStartFlagGivesTheSeedCredentials() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, quickStartCredentials: true)
        #expect(!FileManager.default.fileExists(atPath: Self.tokenFile(workspace)))
        let client = try await RawConnection.open(port: server.port)
        #expect(try await client.command("USER foo").hasPrefix("+OK"))
        #expect(try await client.command("PASS bar").hasPrefix("+OK"))
        #expect(try await client.command("QUIT").hasPrefix("+OK"))
        let monitorPort = try await OperationsTools.monitorPort(of: server)
        #expect(try await OperationsTools.pop3ctl(["users", "list"], monitorPort: monitorPort).status == 0)
        #expect(server.log.contains("default password"), "the start warns while the seed password works")
        #expect(try await server.stop() == 0)
    }

    /// A lost token: one start with --reset-admin-token gives the admin a new one (shown the same way), and the old
    /// one stops working.
    @Test func aLostTokenIsReplacedByOneStartWithResetAdminToken() async throws {
        let workspace = try Workspace()
        let first = try await ServerProcess.start(workspace, quickStartCredentials: false)
        let file = Self.tokenFile(workspace)
        let lost = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(try await first.stop() == 0)
        try FileManager.default.removeItem(atPath: file)

        let reset = try await first.restartWith(options: ["--reset-admin-token", "admin"])
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect(attributes[.posixPermissions] as? Int == 0o600)
        let token = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .newlines)
        #expect(token.utf8.count == 16 && token != lost)
        #expect(reset.log.contains("monitor admin token reset"), "\(reset.transcript)")
        let monitorPort = try await OperationsTools.monitorPort(of: reset)
        let old = try await OperationsTools.pop3ctl(["users", "list"], monitorPort: monitorPort, token: lost)
        #expect(old.status != 0, "the lost token no longer works: \(old)")
        let admins = try await OperationsTools.pop3ctl(["tokens", "list"], monitorPort: monitorPort, token: token)
        #expect(admins.status == 0, "\(admins)")
        #expect(admins.output.split(separator: "\n").filter { $0.hasPrefix("admin ") }.count == 1, "\(admins)")
        #expect(try await reset.stop() == 0)
    }

    @Test func theTokenFileIsNeverWrittenThroughALink() async throws {
        let workspace = try Workspace()
        let target = workspace.path("elsewhere")
        try FileManager.default.createSymbolicLink(atPath: Self.tokenFile(workspace), withDestinationPath: target)
        let server = try await ServerProcess.start(workspace, quickStartCredentials: false)
        #expect(!FileManager.default.fileExists(atPath: target), "the link's target was written")
        let attributes = try FileManager.default.attributesOfItem(atPath: Self.tokenFile(workspace))
        #expect(attributes[.type] as? FileAttributeType == .typeRegular)
        #expect(try await server.stop() == 0)
    }

    @Test func thePackagedConfigurationHasNoKnownCredentials() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        for file in [
            "packaging/pop3d.conf", "packaging/pop3d.service", "packaging/cluster/pop3d.conf",
            "packaging/cluster/pop3d.service.d/cluster.conf",
        ] {
            let text = try String(contentsOf: root.appendingPathComponent(file), encoding: .utf8)
            let settings = text.split(separator: "\n").filter { !$0.hasPrefix("#") }
            #expect(!settings.contains { $0.contains("quick-start-credentials") }, "\(file)")
        }
    }
}
