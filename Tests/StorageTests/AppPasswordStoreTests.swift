import Foundation
import Testing

@testable import Storage

/// App passwords on each backend: generated once, accepted by `verify` beside the password, listed without the
/// secret, revoked at once, gone with their user, and always changing the auth cache's stamp.
@Suite("App passwords")
struct AppPasswordStoreTests {
    @Test func generatedPasswordsHaveTheShapeTheLookupExpects() {
        var seen = Set<String>()
        for _ in 0..<200 {
            let password = AppPasswordFormat.generate()
            #expect(AppPasswordFormat.lookup(of: Array(password.utf8)) == String(password.prefix(4)))
            seen.insert(password)
        }
        #expect(seen.count == 200)
        #expect(AppPasswordFormat.lookup(of: Array("abcd-efgh-jkmn-pqr1".utf8)) == nil)  // '1' is not in the alphabet
        #expect(AppPasswordFormat.lookup(of: Array("an ordinary password".utf8)) == nil)
    }

    @Test(arguments: BackendKind.available)
    func addVerifyListRevoke(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let storage = try await database.open(passwordCost: 10)
            let users = storage.stores.users
            let apps = storage.stores.appPasswords
            try await users.createUser(name: "eve", password: "eve's password")
            let stampBefore = try #require(try await users.passwordStamp(name: "eve"))

            let phone = try await apps.addAppPassword(user: "eve", label: "phone")
            let laptop = try await apps.addAppPassword(user: "eve", label: "laptop")
            #expect(phone != laptop)
            await #expect(throws: StorageError.self) { try await apps.addAppPassword(user: "eve", label: "phone") }
            await #expect(throws: StorageError.self) { try await apps.addAppPassword(user: "nobody", label: "x") }
            await #expect(throws: StorageError.self) { try await apps.addAppPassword(user: "eve", label: "") }
            let stampWithApps = try #require(try await users.passwordStamp(name: "eve"))
            #expect(stampWithApps != stampBefore && stampWithApps.hasPrefix(stampBefore + " "))

            #expect(try await users.verify(name: "eve", password: phone) == .valid)
            #expect(try await users.verify(name: "eve", password: laptop) == .valid)
            #expect(try await users.verify(name: "eve", password: "eve's password") == .valid)
            // One character off (never the same one: a generated password may end in "2" itself).
            let oneOff = String(phone.dropLast()) + (phone.hasSuffix("2") ? "3" : "2")
            #expect(try await users.verify(name: "eve", password: oneOff) == .invalid)
            #expect(try await users.verify(name: "mallory", password: phone) == .invalid)

            let listed = try #require(try await apps.listAppPasswords(user: "eve"))
            #expect(listed.map(\.label) == ["laptop", "phone"])
            #expect(listed.allSatisfy { $0.lastUsedAt != nil })
            #expect(try await apps.listAppPasswords(user: "nobody") == nil)

            #expect(try await apps.revokeAppPassword(user: "eve", label: "phone"))
            #expect(try await !apps.revokeAppPassword(user: "eve", label: "phone"))
            #expect(try await users.verify(name: "eve", password: phone) == .invalid)
            #expect(try await users.verify(name: "eve", password: laptop) == .valid)
            #expect(try await users.passwordStamp(name: "eve") != stampWithApps)

            try await users.deleteUser(name: "eve")
            try await users.createUser(name: "eve", password: "eve's password")
            #expect(try await apps.listAppPasswords(user: "eve") == [])
            #expect(try await users.verify(name: "eve", password: laptop) == .invalid)
        }
    }
}
