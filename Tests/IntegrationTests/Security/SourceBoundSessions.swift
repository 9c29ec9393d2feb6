import Foundation

/// POP3 sessions from a chosen loopback source address (127.0.0.2 is "not local" when `--local-network` is
/// 127.0.0.1/32), driven by python3: one connection per session, each command timed. `STLS` (alone or with
/// commands pipelined around it in one write, as "STLS\r\nNOOP") wraps the socket in TLS without verification;
/// the answers to commands pipelined before it are in `lines`, the STLS answer in `answer`. A session still open
/// after its commands ends with a QUIT whose answer is awaited (and not reported).
enum SourceBoundSessions {
    /// One command's answer: the first line, the lines of a multi-line answer, and the seconds it took.
    struct Answer: Decodable, Sendable {
        let command: String
        let answer: String
        let lines: [String]
        let seconds: Double
        /// STLS only: octets that arrived after the `+OK` in clear (must be none), and the TLS version.
        let leftover: String?
        let tlsVersion: String?

        var isOK: Bool { answer.hasPrefix("+OK") }
    }

    /// One session: the greeting, then each command's answer (it stops early when the server closes).
    struct Session: Decodable, Sendable {
        let greeting: String
        let answers: [Answer]
        let closed: Bool

        subscript(_ index: Int) -> Answer { answers[index] }
    }

    private static let script = #"""
        import json, socket, ssl, sys, time
        port, source, sessions = int(sys.argv[1]), sys.argv[2], json.loads(sys.argv[3])

        def multiline(command):
            words = command.split()
            key = words[0].upper() if words else ""
            return key in ("CAPA", "RETR", "TOP") or (key in ("LIST", "UIDL", "AUTH") and len(words) == 1)

        class Connection:
            def __init__(self):
                self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self.sock.bind((source, 0))
                self.sock.settimeout(30)
                self.sock.connect(("127.0.0.1", port))
                self.buffer = b""
            def line(self):
                while b"\n" not in self.buffer:
                    chunk = self.sock.recv(4096)
                    if not chunk:
                        raise EOFError()
                    self.buffer += chunk
                line, _, self.buffer = self.buffer.partition(b"\n")
                return line.rstrip(b"\r").decode("utf-8", "replace")

        out = []
        for commands in sessions:
            connection = Connection()
            session = {"greeting": connection.line(), "answers": [], "closed": False}
            for command in commands:
                parts = command.split("\r\n")
                stls = [i for i, part in enumerate(parts) if part.upper() == "STLS"]
                # Pipelined commands up to STLS are answered first; their answers go to "lines".
                earlier = stls[0] if stls else 0
                first = parts[earlier]
                started = time.monotonic()
                connection.sock.sendall(command.encode() + b"\r\n")
                entry = {"command": command, "answer": "", "lines": [], "leftover": None, "tlsVersion": None}
                try:
                    for _ in range(earlier):
                        entry["lines"].append(connection.line())
                    entry["answer"] = connection.line()
                    if entry["answer"].startswith("+OK") and multiline(first):
                        while True:
                            line = connection.line()
                            if line == ".":
                                break
                            entry["lines"].append(line[1:] if line.startswith("..") else line)
                except EOFError:
                    session["closed"] = True
                entry["seconds"] = time.monotonic() - started
                if first.upper() == "STLS" and entry["answer"].startswith("+OK"):
                    entry["leftover"] = connection.buffer.decode("utf-8", "replace")
                    connection.buffer = b""
                    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
                    connection.sock = context.wrap_socket(connection.sock)
                    entry["tlsVersion"] = connection.sock.version()
                session["answers"].append(entry)
                if session["closed"]:
                    break
            # End an open session with QUIT and wait for its answer: pop3d releases a maildrop before it answers
            # QUIT, so the next session may log in as the same user at once (a bare close is seen a moment later).
            if not session["closed"] and not (commands and commands[-1].upper() == "QUIT"):
                try:
                    connection.sock.sendall(b"QUIT\r\n")
                    connection.line()
                except (OSError, EOFError):
                    pass
            connection.sock.close()
            out.append(session)
        print(json.dumps(out))
        """#

    /// Runs `sessions` one after another from `source` and returns what each command got.
    static func run(
        _ sessions: [[String]], from source: String, port: Int, in workspace: Workspace, timeout: Double = 60
    ) async throws -> [Session] {
        let encoded = String(decoding: try JSONEncoder().encode(sessions), as: UTF8.self)
        let result = try await PythonScript.run(
            script, named: "sessions-\(UUID().uuidString).py", arguments: ["\(port)", source, encoded],
            in: workspace, timeout: timeout)
        return try PythonScript.decode([Session].self, from: result)
    }

    /// USER and PASS as two commands.
    static func login(_ user: String, _ password: String) -> [String] { ["USER \(user)", "PASS \(password)"] }

    /// `AUTH PLAIN` with an initial response.
    static func authPlain(_ user: String, _ password: String) -> String {
        "AUTH PLAIN " + plainResponse(user, password)
    }

    /// The SASL PLAIN response (RFC 4616) in base64, without an authorization identity.
    static func plainResponse(_ user: String, _ password: String) -> String {
        Data("\0\(user)\0\(password)".utf8).base64EncodedString()
    }
}
