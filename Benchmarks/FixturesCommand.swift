import ArgumentParser
import Foundation

/// `pop3bench fixtures`: writes the maildirs of scenarios A–E and a `user:password` file for them.
struct FixturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fixtures",
        abstract: "Write <dir>/maildir/<user>/{cur,new,tmp} for every scenario and <dir>/users.txt.",
        discussion: """
            Messages go into new/ with LF line ends, as a delivery agent leaves them; both servers move them to \
            cur/ in their first session. users.txt lists every user once as user:password.
            """)

    @Option(help: "Directory to write into (created; an existing maildir/ inside is refused).") var dir: String
    @Option(help: "full (issue 6's sizes) or smoke (small, for CI).") var scale: FixtureScale = .full
    @Option(help: "Password of every user.") var password = "benchpass"

    func run() throws {
        let root = dir + "/maildir"
        guard !FileManager.default.fileExists(atPath: root) else {
            throw ValidationError("\(root) exists; fixtures are written once into an empty directory")
        }
        var writer = MaildirWriter(root: root)
        var factory = MessageFactory(seed: 0x5EED_0006)
        var users: [String] = []

        for index in 0..<scale.loginUsers {
            let user = FixtureScale.loginUser(index)
            users.append(user)
            let messages = (0..<scale.loginMessages).map {
                factory.message(serial: $0, recipient: user, targetBytes: 2_000)
            }
            try writer.maildrop(user, messages: messages)
        }
        for index in 0..<scale.smallMessageUsers {
            let user = FixtureScale.smallMessageUser(index)
            users.append(user)
            let messages = (0..<scale.smallMessagesPerUser).map {
                factory.message(serial: $0, recipient: user, targetBytes: 3_000 + Int($0 % 7) * 300)
            }
            try writer.maildrop(user, messages: messages)
        }
        users.append(FixtureScale.largeMessageUser)
        try writer.maildrop(
            FixtureScale.largeMessageUser,
            messages: [factory.message(serial: 1, recipient: "c0", targetBytes: scale.largeMessageBytes)])
        for index in 0..<scale.idleUsers {
            let user = FixtureScale.idleUser(index)
            users.append(user)
            try writer.maildrop(user, messages: [])
        }
        let big = (0..<scale.bigMaildropMessages).map {
            factory.message(serial: $0, recipient: "e", targetBytes: 700 + Int($0 % 5) * 200)
        }
        for copy in 0..<scale.bigMaildropCopies {
            let user = FixtureScale.bigMaildropUser(copy)
            users.append(user)
            try writer.maildrop(user, messages: big)
        }
        let list = users.map { "\($0):\(password)\n" }.joined()
        try list.write(toFile: dir + "/users.txt", atomically: true, encoding: .utf8)
        print("pop3bench: wrote \(users.count) users and \(writer.files) messages under \(root)")
    }
}
