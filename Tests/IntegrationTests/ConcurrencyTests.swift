import Foundation
import Testing

/// 200 users logged in at the same moment, each reading its own message.
@Suite("Concurrent sessions")
struct ConcurrencyTests {
    private struct Outcome: Decodable {
        let ok: Int
        let failures: [String]
        let seconds: Double
    }

    /// Every thread connects at once, logs in (at most 32 password checks in flight, under the server's
    /// hashing backlog), waits until all 200 are logged in together, then reads and quits.
    private static let script = #"""
        import json, socket, sys, threading, time
        port, count = int(sys.argv[1]), int(sys.argv[2])
        barrier = threading.Barrier(count, timeout=40)
        logins = threading.BoundedSemaphore(32)
        failures, ok = [], []
        def session(n):
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=40)
                f = s.makefile("rb")
                def ask(line):
                    s.sendall(line.encode() + b"\r\n")
                    return f.readline().decode().rstrip("\r\n")
                assert f.readline().startswith(b"+OK"), "greeting"
                with logins:
                    a = ask("USER user%d" % n)
                    b = ask("PASS pw-%d" % n)
                assert a.startswith("+OK") and b.startswith("+OK"), "login: %s / %s" % (a, b)
                barrier.wait()
                stat = ask("STAT")
                assert stat.startswith("+OK 1 "), "STAT: " + stat
                assert ask("RETR 1").startswith("+OK"), "RETR"
                body = b""
                while True:
                    line = f.readline()
                    if line == b".\r\n": break
                    body += line
                assert ("Body of message %d." % n).encode() in body, "wrong message"
                assert ask("QUIT").startswith("+OK"), "QUIT"
                s.close()
                ok.append(n)
            except Exception as e:
                failures.append("user%d: %r" % (n, e))
                try: barrier.abort()
                except Exception: pass
        start = time.time()
        threads = [threading.Thread(target=session, args=(n,)) for n in range(count)]
        for t in threads: t.start()
        for t in threads: t.join()
        print(json.dumps({"ok": len(ok), "failures": failures[:10], "seconds": time.time() - start}))
        """#

    @Test func twoHundredSessionsAtOnce() async throws {
        let count = 200
        let workspace = try Workspace()
        try await workspace.createUsers(Dictionary(uniqueKeysWithValues: (0..<count).map { ("user\($0)", "pw-\($0)") }))
        for number in 0..<count {
            try workspace.maildir.deliver(SampleMessages.numbered(number), user: "user\(number)", name: "1.m\(number)")
        }
        let server = try await ServerProcess.start(workspace)

        let result = try await PythonScript.run(
            Self.script, named: "load.py", arguments: [String(server.port), String(count)], in: workspace,
            timeout: 60)
        let outcome = try PythonScript.decode(Outcome.self, from: result)
        #expect(outcome.ok == count, "\(outcome.failures)")
        #expect(outcome.failures.isEmpty)
        #expect(await server.waitForLines("logout", count: count))
        #expect(server.lines("login").count == count)
        #expect(try await server.stop() == 0)
    }
}
