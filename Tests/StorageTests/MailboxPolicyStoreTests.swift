import Foundation
import Testing

@testable import Storage

@Suite("Mailbox policy store")
struct MailboxPolicyStoreTests {
    @Test(arguments: BackendKind.available)
    func valuesLastLoginAndRetrievals(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let stores = try await database.open().stores
            let policies = stores.policies
            try await stores.users.createUser(name: "bob", password: "bob password")
            #expect(try await policies.loginState(user: "nobody") == nil)
            #expect(try await policies.loginState(user: "bob") == UserLoginState())
            #expect(try await policies.overridesInUse() == PolicyOverridesInUse())

            let set = try await policies.changePolicy(
                user: "bob", loginDelaySeconds: .set(300), expire: .set(.never))
            #expect(set == UserPolicyOverride(loginDelaySeconds: 300, expire: .never))
            let kept = try await policies.changePolicy(user: "bob", loginDelaySeconds: .keep, expire: .set(.days(7)))
            #expect(kept == UserPolicyOverride(loginDelaySeconds: 300, expire: .days(7)))
            #expect(try await policies.changePolicy(user: "nobody", loginDelaySeconds: .set(1), expire: .keep) == nil)
            #expect(
                try await policies.overridesInUse()
                    == PolicyOverridesInUse(loginDelaySeconds: [300], expire: [.days(7)]))

            try await policies.recordLogin(user: "bob", at: 1_000.5)
            #expect(
                try await policies.loginState(user: "bob")
                    == UserLoginState(
                        override: UserPolicyOverride(loginDelaySeconds: 300, expire: .days(7)), lastLogin: 1_000.5))
            let reset = try await policies.changePolicy(
                user: "bob", loginDelaySeconds: .serverDefault, expire: .serverDefault)
            #expect(reset == UserPolicyOverride())
            #expect(try await policies.loginState(user: "bob")?.lastLogin == 1_000.5, "a reset keeps the last login")

            // The first retrieval stays the first.
            try await policies.recordRetrievals(user: "bob", uidls: ["u1", "u2"], at: 10)
            try await policies.recordRetrievals(user: "bob", uidls: ["u2", "u3"], at: 20)
            #expect(try await policies.retrievals(user: "bob") == ["u1": 10, "u2": 10, "u3": 20])
            try await policies.forgetRetrievals(user: "bob", uidls: ["u1", "u3"])
            #expect(try await policies.retrievals(user: "bob") == ["u2": 10])
            #expect(try await policies.retrievals(user: "eve").isEmpty)

            // The policy row goes with its user.
            try await stores.users.deleteUser(name: "bob")
            try await stores.users.createUser(name: "bob", password: "bob password")
            #expect(try await policies.loginState(user: "bob") == UserLoginState())
        }
    }
}
