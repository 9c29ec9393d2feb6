import Foundation
import Testing

/// SCRAM-SHA-256 (RFC 7677) against the real pop3d with --sasl-scram: the client side is computed by Python
/// (hashlib.pbkdf2_hmac, hmac) over poplib, and mpop logs in with `auth scram-sha-256`.
@Suite("SCRAM-SHA-256")
struct SCRAMLoginTests {
    /// One poplib SCRAM exchange per attempt; prints what each saw as JSON.
    static let client = #"""
        import base64, hashlib, hmac, json, os, poplib, sys, time

        def b64(data):
            return base64.b64encode(data).decode()

        port = int(sys.argv[1])
        results = []
        for attempt in json.loads(sys.argv[2]):
            transcript = []
            result = {"transcript": transcript, "salt": None, "signature_ok": None, "stat": None, "seconds": None}
            pop = poplib.POP3("127.0.0.1", port, timeout=60)
            transcript.append("S: " + pop.getwelcome().decode())

            def command(line):
                transcript.append("C: " + line)
                try:
                    answer = pop._shortcmd(line).decode()
                except poplib.error_proto as error:
                    answer = error.args[0].decode() if isinstance(error.args[0], bytes) else str(error.args[0])
                transcript.append("S: " + answer)
                return answer

            bare = "n=" + attempt["user"] + ",r=" + b64(os.urandom(18))
            answer = command("AUTH SCRAM-SHA-256 " + b64(("n,," + bare).encode()))
            if answer.startswith("+ "):
                server_first = base64.b64decode(answer[2:]).decode()
                transcript.append("   server-first: " + server_first)
                fields = dict(field.split("=", 1) for field in server_first.split(","))
                result["salt"] = fields["s"]
                if attempt.get("abort"):
                    answer = command("*")
                else:
                    salted = hashlib.pbkdf2_hmac(
                        "sha256", attempt["password"].encode(), base64.b64decode(fields["s"]), int(fields["i"]))
                    client_key = hmac.new(salted, b"Client Key", "sha256").digest()
                    stored_key = hashlib.sha256(client_key).digest()
                    without_proof = "c=biws,r=" + fields["r"]
                    auth_message = (bare + "," + server_first + "," + without_proof).encode()
                    signature = hmac.new(stored_key, auth_message, "sha256").digest()
                    proof = bytes(a ^ b for a, b in zip(client_key, signature))
                    started = time.monotonic()
                    answer = command(b64((without_proof + ",p=" + b64(proof)).encode()))
                    result["seconds"] = time.monotonic() - started
                    if answer.startswith("+ "):
                        server_final = base64.b64decode(answer[2:]).decode()
                        transcript.append("   server-final: " + server_final)
                        server_key = hmac.new(salted, b"Server Key", "sha256").digest()
                        expected = "v=" + b64(hmac.new(server_key, auth_message, "sha256").digest())
                        result["signature_ok"] = server_final == expected
                        answer = command("")
                        if answer.startswith("+OK"):
                            result["stat"] = list(pop.stat())
            result["answer"] = answer
            try:
                pop.quit()
            except Exception:
                pass
            results.append(result)
        print(json.dumps(results))
        """#

    struct Attempt: Encodable {
        var user: String
        var password: String
        var abort = false
    }

    struct Outcome: Decodable {
        let transcript: [String]
        let salt: String?
        let signature_ok: Bool?
        let stat: [Int]?
        /// From sending the proof to its answer.
        let seconds: Double?
        let answer: String
    }

    static func run(_ attempts: [Attempt], port: Int, in workspace: Workspace) async throws -> [Outcome] {
        let json = String(decoding: try JSONEncoder().encode(attempts), as: UTF8.self)
        let result = try await PythonScript.run(
            client, named: "scram_client.py", arguments: [String(port), json], in: workspace, timeout: 120)
        return try PythonScript.decode([Outcome].self, from: result)
    }

    static let failed = "-ERR [AUTH] Authentication failed."

    @Test func passwordAppPasswordWrongPasswordUnknownUserAndAbort() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: user.name)
        let server = try await ServerProcess.start(
            workspace, options: ["--sasl-scram", "--auth-failure-delay", "0.2", "--auth-failure-delay-max", "0.2"])
        let monitor = try await ServerAddresses.monitorPort(of: server)

        let connection = try await RawConnection.open(port: server.port)
        #expect(try await connection.command("CAPA").hasPrefix("+OK"))
        let capabilities = try await connection.multilineLines()
        #expect(capabilities.contains("SASL PLAIN SCRAM-SHA-256"), "\(capabilities)")
        // No verifier yet (the user was made before SCRAM was on): refused like a wrong password.
        _ = try await connection.command("QUIT")
        connection.close()
        let before = try await Self.run(
            [Attempt(user: user.name, password: user.password)], port: server.port, in: workspace)
        #expect(before.first?.answer == Self.failed, "\(before)")

        // A USER/PASS login writes the verifier.
        let plain = try await RawConnection.open(port: server.port)
        #expect(try await plain.command("USER \(user.name)").hasPrefix("+OK"))
        #expect(try await plain.command("PASS \(user.password)") == "+OK Logged in.")
        _ = try await plain.command("QUIT")
        plain.close()
        let verifiers = try await workspace.waitForRows("SELECT id FROM scram_verifiers WHERE app_password_id IS NULL")
        #expect(verifiers.count == 1)

        // An app password added while SCRAM is on gets its verifier at once, with the same salt.
        let added = try await AdminCommand.run(
            ["users", "app-password", "add", user.name, "phone"], monitorPort: monitor)
        #expect(added.status == 0, "\(added)")
        let phone = String(decoding: added.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)

        let outcomes = try await Self.run(
            [
                Attempt(user: user.name, password: user.password),
                Attempt(user: user.name, password: phone),
                Attempt(user: user.name, password: "not the password"),
                Attempt(user: "nobody-here", password: "x"),
                Attempt(user: "nobody-here", password: "y"),
                Attempt(user: user.name, password: user.password, abort: true),
            ], port: server.port, in: workspace)
        #expect(outcomes.count == 6)
        let (good, app, wrong, unknown, unknownAgain, aborted) =
            (outcomes[0], outcomes[1], outcomes[2], outcomes[3], outcomes[4], outcomes[5])
        #expect(good.answer == "+OK Logged in." && good.signature_ok == true && good.stat?.first == 1, "\(good)")
        #expect(app.answer == "+OK Logged in." && app.signature_ok == true, "\(app)")
        #expect(app.salt == good.salt, "all of a user's verifiers share one salt")
        #expect(wrong.answer == Self.failed && wrong.signature_ok == nil, "\(wrong)")
        // An unknown user: a salt that looks like a real one, the same each time, and the same refusal.
        #expect(unknown.salt != nil && unknown.salt == unknownAgain.salt, "\(unknown) \(unknownAgain)")
        #expect(unknown.salt?.count == good.salt?.count)
        #expect(unknown.answer == Self.failed && unknownAgain.answer == Self.failed)
        #expect(aborted.answer == "-ERR Authentication aborted.", "\(aborted)")

        // Refusals go through the throttle and the log like a wrong password.
        #expect(await server.waitForLines("login failed", count: 4))
        let refusals = server.lines("login failed")
        #expect(refusals.allSatisfy { $0["reason"] == "scram_bad_proof" }, "\(refusals)")
        #expect(refusals.filter { $0["user"] == "nobody-here" }.count == 2)
        #expect(refusals.allSatisfy { $0["delay_ms"] == "200" }, "\(refusals.map { $0["delay_ms"] ?? "-" })")
        // The answer waits for the throttle whether the user exists or not.
        for refused in [wrong, unknown, unknownAgain] { #expect((refused.seconds ?? 0) >= 0.19, "\(refused)") }
        #expect(server.lines("login").filter { $0["auth"] == "scram" }.count == 2)

        // A new password replaces the verifier at once: the old one is refused, the new one accepted.
        let changed = try await AdminCommand.run(
            ["users", "passwd", user.name, "--password", "alice's new password"], monitorPort: monitor)
        #expect(changed.status == 0, "\(changed)")
        let after = try await Self.run(
            [
                Attempt(user: user.name, password: user.password),
                Attempt(user: user.name, password: "alice's new password"),
            ], port: server.port, in: workspace)
        #expect(after.map(\.answer) == [Self.failed, "+OK Logged in."], "\(after)")

        #expect(try await server.stop() == 0)
    }

    @Test func mpopLogsInWithScramSHA256() async throws {
        let workspace = try Workspace()
        let user = TestUsers.alice
        try await workspace.createUsers([user.name: user.password])
        try workspace.maildir.deliverAll([SampleMessages.plainCRLF], user: user.name)
        let server = try await ServerProcess.start(workspace, options: ["--sasl-scram", "--scram-iterations", "8192"])
        let monitor = try await ServerAddresses.monitorPort(of: server)
        // Set while SCRAM is on: the verifier is written at once.
        let changed = try await AdminCommand.run(
            ["users", "passwd", user.name, "--password", user.password], monitorPort: monitor)
        #expect(changed.status == 0, "\(changed)")
        #expect(try await workspace.query("SELECT iterations FROM scram_salts") == ["8192"])

        let mpop = try MpopAccount(
            workspace: workspace, port: server.port, user: user.name, secret: .password(user.password),
            auth: "scram-sha-256", keep: true)
        let result = try await mpop.run()
        #expect(result.status == 0, "\(result)\n\(server.transcript)")
        let output = String(decoding: result.stdout + result.stderr, as: UTF8.self)
        #expect(output.contains("AUTH SCRAM-SHA-256"), "\(output)")
        #expect(try mpop.deliveredFiles().count == 1)
        #expect(server.lines("login").contains { $0["auth"] == "scram" }, "\(server.transcript)")
        #expect(try await server.stop() == 0)
    }
}
