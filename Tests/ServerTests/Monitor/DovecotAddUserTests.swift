import Foundation
import MonitorProtocol
import Storage
import Testing

@testable import Server

@Suite("Monitor add user with Dovecot password fields")
struct DovecotAddUserTests {
    /// A real SHA512-CRYPT hash from `openssl passwd -6`.
    private func sha512Crypt(_ password: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "passwd", "-6", password]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0)
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func cryptHashesAreKeptThenUpgradedAtTheFirstGoodLogin() async throws {
        let test = try MonitorTestServer()
        let field = "{SHA512-CRYPT}" + (try sha512Crypt("dovecot pw"))
        #expect(try await test.answer(.addUser(name: "ann", password: field)).status == .ok)
        let users = test.stores.users
        #expect(try await users.verify(name: "ann", password: field) == .invalid, "the field is not the password")
        #expect(try await users.verify(name: "ann", password: "dovecot pw") == .valid)
        // Without the auth cache in front: the store itself (its hash replaced by scrypt, see StorageTests).
        #expect(try await test.storage.stores.users.verify(name: "ann", password: "dovecot pw") == .valid)
        #expect(try await test.storage.stores.users.verify(name: "ann", password: "other") == .invalid)
    }

    @Test func plainFieldsAreHashedWithoutTheirPrefix() async throws {
        let test = try MonitorTestServer()
        #expect(try await test.answer(.addUser(name: "bob", password: "{PLAIN}secret")).status == .ok)
        #expect(try await test.storage.stores.users.verify(name: "bob", password: "secret") == .valid)
        #expect(try await test.storage.stores.users.verify(name: "bob", password: "{PLAIN}secret") == .invalid)
    }

    @Test(arguments: [MonitorVersion.v1, .v2])
    func unknownSchemesAndMalformedHashesAreBadData(version: MonitorVersion) async throws {
        let test = try MonitorTestServer()
        for field in ["{MD5-CRYPT}$1$abc$def", "{SHA512-CRYPT}$6$short$hash", "{PLAIN}"] {
            let outcome = try await test.answer(.addUser(name: "eve", password: field), version: version)
            #expect(outcome.status == .badData, "\(field)")
        }
        #expect(try await test.storage.stores.users.listUsers().map(\.name) == ["foo"])
    }
}
