import Foundation

/// An mpop account of a test: a local maildir (`inbox`) mpop delivers into, and the mpoprc that points mpop at the
/// test's pop3d. mpop only sends a password without TLS when told `tls off`; `auth` picks the mechanism (`user`,
/// `plain`, `scram-sha-256`, `oauthbearer`).
struct MpopAccount {
    let workspace: Workspace
    /// The mpoprc's path.
    let configuration: String
    let inbox: URL

    /// How mpop gets the secret: a password, or a command that prints it (`passwordeval`).
    enum Secret {
        case password(String)
        case command(String)

        var line: String {
            switch self {
            case .password(let password): "password \(password)"
            case .command(let command): "passwordeval \(command)"
            }
        }
    }

    /// `keep`: leave the messages on the server (mpop's `keep on`) instead of deleting what it downloaded.
    init(workspace: Workspace, port: Int, user: String, secret: Secret, auth: String, keep: Bool) throws {
        self.workspace = workspace
        inbox = workspace.root.appendingPathComponent("inbox")
        for sub in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(
                at: inbox.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        configuration = try workspace.writeFile(
            "mpoprc",
            """
            defaults
            timeout 20
            account default
            host 127.0.0.1
            port \(port)
            user \(user)
            \(secret.line)
            tls off
            auth \(auth)
            received_header off
            delivery maildir \(inbox.path)
            uidls_file \(workspace.path("mpop-uidls"))
            keep \(keep ? "on" : "off")
            only_new off

            """, permissions: 0o600)
    }

    /// Runs mpop once; with `debug`, its output shows the protocol exchange.
    func run(debug: Bool = true) async throws -> CommandResult {
        try await ExternalCommand.run(
            "mpop", ["-C", configuration] + (debug ? ["--debug"] : []), environment: ["HOME": workspace.root.path],
            timeout: 40)
    }

    /// The file names mpop delivered into the inbox so far.
    func deliveredFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: inbox.appendingPathComponent("new").path)
    }

    /// The messages mpop delivered, as bytes.
    func deliveredMessages() throws -> [[UInt8]] {
        let folder = inbox.appendingPathComponent("new")
        return try deliveredFiles().map { Array(try Data(contentsOf: folder.appendingPathComponent($0))) }
    }
}
