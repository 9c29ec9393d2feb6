import Testing

extension SecurityIntegrationTests {
    /// A flood of wrong-password logins at a high hashing cost, from 49 source addresses at once, must not starve
    /// the server: an unauthenticated CAPA and a (cached) good login from 127.0.0.1 are answered at once while
    /// the flood is still being hashed. Excess bad logins may get `-ERR [SYS/TEMP]` from the bounded hashing queue.
    @Suite("Login flood")
    struct LoginFloodTests {
        private struct Outcome: Decodable {
            let authFailed: Int
            let busy: Int
            let other: [String]
            let goodAnswer: String
            let goodSeconds: Double
            let capaSeconds: Double
            /// Seconds from the good login's answer to the last bad login's answer: above 0 when the flood was
            /// still being served while the good login went through.
            let floodOutlastedGood: Double
            /// Seconds from the flood's PASS lines to the last bad login's answer.
            let floodSeconds: Double
        }

        private static let script = #"""
            import json, socket, sys, threading, time
            port, user, password, count = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
            ready = threading.Barrier(count + 1, timeout=60)
            answers, lock = [], threading.Lock()

            def connect(source):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                s.bind((source, 0))
                s.settimeout(90)
                s.connect(("127.0.0.1", port))
                return s, s.makefile("rb")

            def line(f):
                return f.readline().decode("utf-8", "replace").rstrip("\r\n")

            def bad(n):
                answer = "no answer"
                try:
                    s, f = connect("127.0.0.%d" % (2 + n % 49))
                    line(f)
                    s.sendall(("USER %s\r\n" % user).encode())
                    line(f)
                    ready.wait()
                    s.sendall(("PASS wrong guess %d\r\n" % n).encode())
                    answer = line(f)
                    s.close()
                except Exception as e:
                    answer = "error %r" % e
                    try: ready.abort()
                    except Exception: pass
                with lock: answers.append((answer, time.monotonic()))

            def good():
                s, f = connect("127.0.0.1")
                line(f)
                s.sendall(("USER %s\r\n" % user).encode())
                line(f)
                started = time.monotonic()
                s.sendall(("PASS %s\r\n" % password).encode())
                answer = line(f)
                seconds = time.monotonic() - started
                s.sendall(b"QUIT\r\n")
                line(f)
                s.close()
                return answer, seconds

            threads = [threading.Thread(target=bad, args=(n,)) for n in range(count)]
            for t in threads: t.start()
            ready.wait()
            flood_started = time.monotonic()
            time.sleep(0.3)  # let the PASS lines reach the server and fill the hashing queue
            probe, probe_file = connect("127.0.0.1")
            line(probe_file)
            started = time.monotonic()
            probe.sendall(b"CAPA\r\n")
            while line(probe_file) != ".": pass
            capa_seconds = time.monotonic() - started
            probe.close()
            good_answer, good_seconds = good()
            good_done = time.monotonic()
            for t in threads: t.join()
            texts = [a for a, _ in answers]
            print(json.dumps({
                "authFailed": sum(1 for a in texts if a.startswith("-ERR [AUTH]")),
                "busy": sum(1 for a in texts if a.startswith("-ERR [SYS/TEMP]")),
                "other": [a for a in texts if not a.startswith("-ERR [AUTH]") and not a.startswith("-ERR [SYS/TEMP]")][:10],
                "goodAnswer": good_answer, "goodSeconds": good_seconds, "capaSeconds": capa_seconds,
                "floodOutlastedGood": max(at for _, at in answers) - good_done,
                "floodSeconds": max(at for _, at in answers) - flood_started,
            }))
            """#

        @Test func aFloodOfBadLoginsDoesNotStarveAGoodOne() async throws {
            let workspace = try Workspace()
            let user = (name: "erin", password: "erin's password")
            try await SecurityUsers.create([user.name: user.password], cost: 12, in: workspace)
            let server = try await ServerProcess.start(workspace, options: ["--password-cost", "12"])

            // Warm the cache with one good login before the flood.
            let warm = try await RawConnection.open(port: server.port)
            #expect(try await warm.command("USER \(user.name)").hasPrefix("+OK"))
            #expect(try await warm.command("PASS \(user.password)") == "+OK Logged in.")
            #expect(try await warm.command("QUIT").hasPrefix("+OK"))
            warm.close()

            let count = 100
            let result = try await PythonScript.run(
                Self.script, named: "flood.py", arguments: ["\(server.port)", user.name, user.password, "\(count)"],
                in: workspace, timeout: 90)
            let outcome = try PythonScript.decode(Outcome.self, from: result)
            #expect(outcome.other.isEmpty, "\(outcome.other)")
            #expect(outcome.authFailed + outcome.busy == count)
            #expect(outcome.authFailed > 0)
            #expect(outcome.goodAnswer == "+OK Logged in.")
            // Served at once means well inside the flood, whatever its length on this machine: a good login or a
            // CAPA queued behind the flood would wait for most of it.
            let inside = outcome.floodSeconds / 2
            #expect(outcome.goodSeconds < inside, "good login took \(outcome.goodSeconds) s of \(outcome.floodSeconds)")
            #expect(outcome.capaSeconds < inside, "CAPA took \(outcome.capaSeconds) s of \(outcome.floodSeconds)")
            print("login flood: \(outcome)")
            #expect(outcome.floodOutlastedGood > 0, "the flood was over before the good login: not a test of it")
            #expect(server.isRunning)
            #expect(await server.waitForLines("login", count: 2))
            #expect(server.lines("login").last?["auth"] == "cache")
            #expect(try await server.stop() == 0)
        }
    }
}
