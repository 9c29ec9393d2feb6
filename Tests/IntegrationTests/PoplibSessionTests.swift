import Foundation
import Testing

/// Python's poplib drives a whole session; every answer is checked against the files in the maildir.
@Suite("Python poplib session")
struct PoplibSessionTests {
    private struct Transcript: Decodable {
        struct Retrieved: Decodable {
            let resp: String
            let octets: Int
            let body: String
        }
        let welcome: String
        let capa: [String: [String]]
        let stat: [Int]
        let list: [String]
        let uidl: [String]
        let retr: [Retrieved]
        let top: [String]
        let statAfterDele: [Int]
        let retrDeleted: String
        let quit: String
    }

    private static let script = #"""
        import base64, json, poplib, sys
        port, user, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
        p = poplib.POP3("127.0.0.1", port, timeout=15)
        out = {"welcome": p.getwelcome().decode()}
        out["capa"] = p.capa()
        p.user(user)
        p.pass_(password)
        count, size = p.stat()
        out["stat"] = [count, size]
        out["list"] = [l.decode() for l in p.list()[1]]
        out["uidl"] = [l.decode() for l in p.uidl()[1]]
        def joined(lines):
            return base64.b64encode(b"".join(l + b"\r\n" for l in lines)).decode()
        out["retr"] = []
        for n in range(1, count + 1):
            resp, lines, octets = p.retr(n)
            out["retr"].append({"resp": resp.decode(), "octets": octets, "body": joined(lines)})
        out["top"] = [joined(p.top(n, 0)[1]) for n in range(1, count + 1)]
        p.dele(1)
        out["statAfterDele"] = list(p.stat())
        try:
            p.retr(1)
            out["retrDeleted"] = "+OK"
        except poplib.error_proto as e:
            out["retrDeleted"] = e.args[0].decode()
        out["quit"] = p.quit().decode()
        print(json.dumps(out))
        """#

    @Test func fullSessionMatchesTheMaildir() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        let messages = [
            SampleMessages.plainCRLF, SampleMessages.dotLines, SampleMessages.bareLF,
            SampleMessages.noFinalNewline, SampleMessages.eightBit, SampleMessages.headersOnly,
        ]
        try workspace.maildir.deliverAll(messages, user: user.name)
        let expected = Dictionary(
            uniqueKeysWithValues: messages.enumerated().map { (String(format: "%04d.it", $0 + 1), $1) })
        let server = try await ServerProcess.start(workspace)

        let result = try await PythonScript.run(
            Self.script, named: "session.py", arguments: [String(server.port), user.name, user.password],
            in: workspace)
        let transcript = try PythonScript.decode(Transcript.self, from: result)

        #expect(transcript.welcome.hasPrefix("+OK"))
        for capability in [
            "TOP", "UIDL", "USER", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING", "IMPLEMENTATION",
        ] {
            #expect(transcript.capa[capability] != nil, "CAPA lacks \(capability): \(transcript.capa)")
        }
        #expect(transcript.capa["SASL"]?.contains("PLAIN") == true)
        #expect(transcript.capa["EXPIRE"] == ["NEVER"])

        let totalSize = messages.map { WireText.wireForm($0).count }.reduce(0, +)
        #expect(transcript.stat == [messages.count, totalSize])
        // UIDL n → base name; LIST n → wire size of that file; RETR n → its bytes with CRLF line ends.
        let uidls = Dictionary(uniqueKeysWithValues: transcript.uidl.map(Self.pair))
        #expect(Set(uidls.values) == Set(expected.keys))
        let sizes = Dictionary(uniqueKeysWithValues: transcript.list.map(Self.pair))
        #expect(sizes.count == messages.count)
        for number in 1...messages.count {
            let uid = try #require(uidls[String(number)])
            let file = try #require(expected[uid])
            let wire = WireText.wireForm(file)
            #expect(sizes[String(number)] == String(wire.count), "LIST \(number) (\(uid))")
            let retrieved = transcript.retr[number - 1]
            #expect(retrieved.resp.hasPrefix("+OK"))
            #expect(retrieved.octets == wire.count, "RETR \(number) (\(uid)) octets")
            #expect(ByteDifference.between(Self.decoded(retrieved.body), wire) == nil, "RETR \(number) (\(uid))")
            #expect(
                ByteDifference.between(Self.decoded(transcript.top[number - 1]), WireText.top(file, bodyLines: 0))
                    == nil, "TOP \(number) 0")
        }
        let first = try #require(expected[uidls["1"] ?? ""])
        #expect(transcript.statAfterDele == [messages.count - 1, totalSize - WireText.wireForm(first).count])
        #expect(transcript.retrDeleted.hasPrefix("-ERR"))
        #expect(transcript.quit.hasPrefix("+OK"))

        let remaining = workspace.maildir.baseNames(user.name)
        #expect(remaining == expected.keys.filter { $0 != uidls["1"] }.sorted())
        // The session moved new mail into cur/ with the info suffix.
        #expect(workspace.maildir.messageFiles(user.name) == remaining.map { "cur/\($0):2," })
        #expect(try await server.stop() == 0)
    }

    @Test func authPlainWithAndWithoutInitialResponse() async throws {
        let workspace = try Workspace()
        let user = TestUsers.bob
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: user.name)
        let server = try await ServerProcess.start(workspace)
        let credentials = Data("\0\(user.name)\0\(user.password)".utf8).base64EncodedString()

        let first = try await RawConnection.open(port: server.port)
        #expect(try await first.command("AUTH PLAIN \(credentials)").hasPrefix("+OK"))
        #expect(try await first.command("STAT") == "+OK 1 \(SampleMessages.plainCRLF.count)")
        #expect(try await first.command("QUIT").hasPrefix("+OK"))

        let second = try await RawConnection.open(port: server.port)
        let wrong = Data("\0\(user.name)\0nope".utf8).base64EncodedString()
        #expect(Self.isContinuation(try await second.command("AUTH PLAIN")))
        #expect(try await second.command(wrong).hasPrefix("-ERR [AUTH]"))
        #expect(Self.isContinuation(try await second.command("AUTH PLAIN")))
        #expect(try await second.command("*").hasPrefix("-ERR"))
        #expect(Self.isContinuation(try await second.command("AUTH PLAIN")))
        #expect(try await second.command("%%% not base64").hasPrefix("-ERR"))
        #expect(Self.isContinuation(try await second.command("AUTH PLAIN")))
        #expect(try await second.command(credentials).hasPrefix("+OK"))
        #expect(try await second.command("STAT").hasPrefix("+OK 1 "))
        #expect(try await second.command("QUIT").hasPrefix("+OK"))
        #expect(workspace.maildir.messageFiles(user.name).count == 1)
        #expect(try await server.stop() == 0)
    }

    /// RFC 5034: an empty server challenge is `+` followed by a space (some servers drop the space).
    private static func isContinuation(_ line: String) -> Bool { line == "+ " || line == "+" }

    private static func pair(_ line: String) -> (String, String) {
        let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
        return (parts.first ?? "", parts.count > 1 ? parts[1] : "")
    }

    private static func decoded(_ base64: String) -> [UInt8] { Array(Data(base64Encoded: base64) ?? Data()) }
}
