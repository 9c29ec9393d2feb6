/// Users the tests create; passwords include a space to check that PASS takes the rest of the line.
enum TestUsers {
    static let alice = (name: "alice", password: "alice secret 1")
    static let bob = (name: "bob", password: "b0b-pw")

    static var both: [String: String] { [alice.name: alice.password, bob.name: bob.password] }
}
