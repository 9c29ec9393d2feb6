import Foundation
import Testing

/// `pop3d --config FILE` and `--print-config`, through the real binary.
@Suite struct ConfigurationFileTests {
    static let example = """
        # a comment, then a blank line

        port = 2110
        listen = 127.0.0.1
        listen = ::1
          maildir = "/srv/mail with space"
        allow-plaintext-auth = yes
        monitor-port = -1
        """

    /// `--print-config` output as [key: [(value, source)]].
    static func settings(_ output: String) -> [String: [(value: String, source: String)]] {
        var table: [String: [(String, String)]] = [:]
        for line in output.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: "#", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let pair = parts[0].split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            table[pair[0], default: []].append((pair[1], parts[1].trimmingCharacters(in: .whitespaces)))
        }
        return table
    }

    @Test func printConfigShowsEachValueAndWhereItCameFrom() async throws {
        let workspace = try Workspace()
        let file = try workspace.writeFile("pop3d.conf", Self.example)
        let result = try await OperationsTools.pop3d(["--config", file, "--print-config"])
        #expect(result.status == 0, "\(result)")
        let table = Self.settings(result.output)
        #expect(table["port"]?.map(\.value) == ["2110"])
        #expect(table["port"]?.first?.source == "\(file):3")
        #expect(table["listen"]?.map(\.value) == ["127.0.0.1", "::1"])
        #expect(table["listen"]?.map(\.source) == ["\(file):4", "\(file):5"])
        #expect(table["maildir"]?.first?.source == "\(file):6")
        #expect(table["allow-plaintext-auth"]?.map(\.value) == ["true"])
        #expect(table["monitor-port"]?.map(\.value) == ["-1"])
        #expect(table["database"]?.first?.value == "./pop3d.sqlite")
        #expect(table["database"]?.first?.source == "default")
        #expect(result.output.contains("maildir = /srv/mail with space"))
    }

    @Test func commandLineWinsOverTheFileAndTheFileOverDefaults() async throws {
        let workspace = try Workspace()
        let file = try workspace.writeFile("pop3d.conf", Self.example)
        let result = try await OperationsTools.pop3d([
            "--config", file, "-p", "3110", "--listen", "0.0.0.0", "--idle-timeout", "900", "--print-config",
        ])
        #expect(result.status == 0, "\(result)")
        let table = Self.settings(result.output)
        #expect(table["port"]?.map(\.value) == ["3110"])
        #expect(table["port"]?.first?.source == "command line")
        // A repeatable option given on the command line replaces the file's values instead of adding to them.
        #expect(table["listen"]?.map(\.value) == ["0.0.0.0"])
        #expect(table["idle-timeout"]?.first?.source == "command line")
        #expect(table["monitor-port"]?.first?.source == "\(file):8")
        #expect(table["sample-interval"]?.first?.source == "default")
    }

    @Test func printedConfigurationIsItselfAValidFile() async throws {
        let workspace = try Workspace()
        let file = try workspace.writeFile("pop3d.conf", Self.example)
        let first = try await OperationsTools.pop3d(["--config", file, "--print-config"])
        let copy = try workspace.writeFile("copy.conf", first.output)
        let second = try await OperationsTools.pop3d(["--config", copy, "--print-config"])
        #expect(second.status == 0, "\(second)")
        let values = { (text: String) in Self.settings(text).mapValues { $0.map(\.value) } }
        #expect(values(second.output) == values(first.output))
    }

    static let badFiles: [(text: String, line: Int, words: [String])] = [
        ("port = 110\n# fine\nprot = 5\n", 3, ["unknown key \"prot\"", "did you mean \"port\""]),
        ("port = abc\n", 1, ["port", "abc"]),
        ("\n\nport = 99999\n", 3, ["port", "0...65535"]),
        ("allow-plaintext-auth = maybe\n", 1, ["allow-plaintext-auth", "true or false"]),
        ("port = 1\nport = 2\n", 2, ["\"port\" is set again", "line 1"]),
        ("port 110\n", 1, ["key = value"]),
        ("config = other.conf\n", 1, ["\"config\" cannot be set"]),
        ("tls-cert = /etc/cert.pem\n", 1, ["tls-cert", "--tls-key"]),
        ("maildir =\n", 1, ["no value"]),
        ("idle-timeout = 600\nmax-connections = 0\n", 2, ["max-connections"]),
        ("history-retention-days = 0\n", 1, ["history-retention-days", "1...36500"]),
    ]

    @Test(arguments: badFiles.indices)
    func badFileStopsTheStartNamingTheLine(_ index: Int) async throws {
        let bad = Self.badFiles[index]
        let workspace = try Workspace()
        let file = try workspace.writeFile("pop3d.conf", bad.text)
        // A real start (not only --print-config): it must not get as far as creating the database.
        let result = try await OperationsTools.pop3d([
            "--config", file, "--database", workspace.databasePath, "--allow-root",
        ])
        #expect(result.status == 78, "\(result)")
        #expect(result.errors.contains("\(file):\(bad.line): "), "\(result)")
        for word in bad.words { #expect(result.errors.contains(word), "\(word): \(result)") }
        #expect(!FileManager.default.fileExists(atPath: workspace.databasePath))
    }

    @Test func aBadValueTheCommandLineReplacesStillStopsTheStart() async throws {
        let workspace = try Workspace()
        let file = try workspace.writeFile("pop3d.conf", "port = abc\n")
        let result = try await OperationsTools.pop3d(["--config", file, "-p", "110", "--print-config"])
        #expect(result.status == 78, "\(result)")
        #expect(result.errors.contains("\(file):1: "), "\(result)")
    }

    @Test func companionValueMayComeFromTheCommandLine() async throws {
        let workspace = try Workspace()
        let file = try workspace.writeFile("pop3d.conf", "tls-cert = /etc/cert.pem\n")
        let result = try await OperationsTools.pop3d([
            "--config", file, "--tls-key", "/etc/key.pem", "--print-config",
        ])
        #expect(result.status == 0, "\(result)")
    }

    @Test func missingFileIsNamed() async throws {
        let workspace = try Workspace()
        let result = try await OperationsTools.pop3d(["--config", workspace.path("absent.conf"), "--print-config"])
        #expect(result.status == 78)
        #expect(result.errors.contains("absent.conf: cannot read: No such file or directory"), "\(result)")
    }

    @Test func badCommandLineIsStillReportedByTheParser() async throws {
        let workspace = try Workspace()
        let file = try workspace.writeFile("pop3d.conf", "port = 110\n")
        let result = try await OperationsTools.pop3d(["--config", file, "--no-such-option"])
        #expect(result.status == 64, "\(result)")
        #expect(result.errors.contains("--no-such-option"), "\(result)")
    }

    @Test func serverRunsWithTheFilesSettings() async throws {
        let workspace = try Workspace()
        try await workspace.createUsers(TestUsers.both)
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: TestUsers.alice.name)
        // The test harness gives port, maildir and database on the command line; the file sets the rest.
        let file = try workspace.writeFile("pop3d.conf", "pre-login-timeout = 3\n")
        let server = try await ServerProcess.start(workspace, options: ["--config", file])
        let since = Date()  // before the connect, so never after the server's timer started
        let idle = try await RawConnection.open(port: server.port)
        let (_, closed) = try await idle.readUntilClosed(timeout: 30)
        #expect(closed, "pre-login-timeout = 3 from the file must close an idle connection")
        #expect(Date().timeIntervalSince(since) >= 3 - 0.05, "closed before the file's 3 s")
        // A client that logs in without pausing is not cut off: the whole session runs on a thread of its own, so
        // a busy task pool cannot hold it between its commands.
        let port = server.port
        let (user, password) = TestUsers.alice
        let answers = try await Blocking.run {
            let client = try RawConnection.connectBlocking(port: port)
            return try [client.lineBlocking()]
                + ["USER \(user)", "PASS \(password)", "QUIT"].map { try client.commandBlocking($0) }
        }
        #expect(answers.count == 4 && answers.allSatisfy { $0.hasPrefix("+OK") }, "\(answers)")
        #expect(try await server.stop() == 0)
    }
}
