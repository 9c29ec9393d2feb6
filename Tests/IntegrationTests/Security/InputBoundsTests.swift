import Foundation
import Testing

extension SecurityIntegrationTests {
    /// A client cannot make pop3d buffer without bound, nor hold a session by not reading: input waiting for the
    /// session is capped (the socket is no longer read past the cap), and a client that stops reading a message is
    /// logged out at the idle timeout like any idle client.
    @Suite("Input bounds")
    struct InputBoundsTests {
        private struct Flood: Decodable {
            let sent: Int
            let seconds: Double
            let rssBefore: Int
            let rssMax: Int
            let bytesIn: Int
            let goodAnswer: String
            let failedAnswer: String
        }

        /// USER and a wrong PASS, then short lines written without blocking for most of the failed-login delay (up
        /// to 400 MB). Meanwhile it samples pop3d's resident memory, logs in as another client, and reads pop3d's
        /// bytes_in from its metrics endpoint before the delay ends.
        private static let floodScript = #"""
            import json, select, socket, sys, time, urllib.request
            port, metrics, pid, delay = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
            good_user, good_password = sys.argv[5], sys.argv[6]

            def rss():
                with open("/proc/%d/status" % pid) as status:
                    for line in status:
                        if line.startswith("VmRSS:"):
                            return int(line.split()[1]) * 1024
                return 0

            def line(f):
                return f.readline().decode("utf-8", "replace").rstrip("\r\n")

            def bytes_in():
                text = urllib.request.urlopen("http://127.0.0.1:%d/metrics" % metrics, timeout=30).read().decode()
                for row in text.splitlines():
                    if row.startswith("pop3d_received_bytes_total{"):
                        return int(float(row.split()[1]))
                return -1

            s = socket.create_connection(("127.0.0.1", port), timeout=30)
            f = s.makefile("rb")
            line(f)
            s.sendall(b"USER flooder\r\n")
            line(f)
            before = rss()
            s.sendall(b"PASS wrong\r\n")
            started = time.monotonic()
            s.setblocking(False)
            chunk = b"x\r\n" * 21845
            sent, peak, good = 0, before, None
            while time.monotonic() - started < delay - 2 and sent < 400 * 1024 * 1024:
                try:
                    sent += s.send(chunk)
                except BlockingIOError:
                    select.select([], [s], [], 0.05)
                    peak = max(peak, rss())
                    if good is None and time.monotonic() - started > 1:
                        other = socket.create_connection(("127.0.0.1", port), timeout=30)
                        of = other.makefile("rb")
                        line(of)
                        other.sendall(("USER %s\r\n" % good_user).encode())
                        line(of)
                        other.sendall(("PASS %s\r\n" % good_password).encode())
                        good = line(of)
                        other.sendall(b"QUIT\r\n")
                        line(of)
                        other.close()
            seconds = time.monotonic() - started
            peak = max(peak, rss())
            read = bytes_in()
            # The delay ends: the failed login is answered, and the junk lines then close the session.
            s.setblocking(True)
            s.settimeout(60)
            received = b""
            try:
                while True:
                    data = s.recv(65536)
                    if not data:
                        break
                    received += data
            except (ConnectionResetError, socket.timeout):
                pass
            failed = received.split(b"\r\n")[0].decode("utf-8", "replace")
            print(json.dumps({"sent": sent, "seconds": seconds, "rssBefore": before, "rssMax": peak,
                              "bytesIn": read, "goodAnswer": good or "no login", "failedAnswer": failed}))
            """#

        @Test func linesSentDuringAFailedLoginDelayAreNotBufferedWithoutBound() async throws {
            let workspace = try Workspace()
            let good = TestUsers.alice
            try await workspace.createUsers([good.name: good.password])
            let delay = 10
            let server = try await ServerProcess.start(
                workspace, options: ["--auth-failure-delay", "\(delay)", "--metrics-listen", "127.0.0.1:0"])
            let metrics = try await PrometheusScrapeTests.metricsPort(of: server)

            let result = try await PythonScript.run(
                Self.floodScript, named: "flood-lines.py",
                arguments: ["\(server.port)", "\(metrics)", "\(server.pid)", "\(delay)", good.name, good.password],
                in: workspace, timeout: 120)
            let flood = try PythonScript.decode(Flood.self, from: result)
            print("input flood: \(flood)")

            // What pop3d read: the input limit (64 KiB), plus what one read event may bring before the handler
            // holds the next (NIO reads up to 4 times 64 KiB per event), plus USER and PASS.
            let readBound = 64 * 1_024 + 4 * 64 * 1_024 + 1_024
            #expect(flood.bytesIn > 0 && flood.bytesIn <= readBound, "pop3d read \(flood.bytesIn) octets")
            #expect(flood.sent > flood.bytesIn, "the client could not even fill the socket: not a flood")
            #expect(flood.rssMax - flood.rssBefore < 64 * 1_024 * 1_024, "\(flood)")
            #expect(flood.goodAnswer == "+OK Logged in.", "another client during the flood: \(flood.goodAnswer)")
            #expect(flood.failedAnswer.hasPrefix("-ERR [AUTH]"), "\(flood)")
            #expect(server.isRunning)
            #expect(try await server.stop() == 0)
        }

        @Test func aClientThatStopsReadingAMessageIsLoggedOutAtTheIdleTimeout() async throws {
            let workspace = try Workspace()
            let user = TestUsers.bob
            try await workspace.createUsers([user.name: user.password])
            var large: [UInt8] = Array("Subject: large\r\n\r\n".utf8)
            let line = Array("a line of a large message that nobody reads\r\n".utf8)
            while large.count < 40_000_000 { large += line }
            try workspace.maildir.deliverAll([large], user: user.name)
            let idleTimeout = 5.0
            let server = try await ServerProcess.start(workspace, options: ["--idle-timeout", "\(Int(idleTimeout))"])

            let stalled = try await DeletionTests.login(user, port: server.port)
            let retrSent = Date()
            try await stalled.send("RETR 1\r\n")  // and never read
            // pop3d's CPU while it waits: from when the socket buffers have filled (what arrived unread stops
            // growing) to the drop.
            #expect(try await stalled.waitUntilUnreadBytesSettle() > 0)
            let cpuBefore = try ProcessCPU.seconds(of: server.pid)
            let measuredFrom = Date()
            #expect(await server.waitForLine(timeout: 60) { $0.message == "disconnect" } != nil, "\(server.log)")
            let cpuAfter = try ProcessCPU.seconds(of: server.pid)
            let waited = Date().timeIntervalSince(measuredFrom)
            #expect(Date().timeIntervalSince(retrSent) >= idleTimeout - 0.05, "dropped before the idle timeout")
            let share = (cpuAfter - cpuBefore) / waited
            print("stalled reader: pop3d used \(cpuAfter - cpuBefore) s of CPU in \(waited) s (\(share * 100) %)")
            #expect(share < 0.05, "pop3d used \(share * 100) % of a core while the reader stalled")

            let logout = try #require(server.lines("logout").first)
            #expect(logout["reason"] == "timeout", "\(server.log)")
            // No commit, the lock released: the next login gets the message, untouched.
            let again = try await DeletionTests.login(user, port: server.port)
            #expect(try await again.command("STAT") == "+OK 1 \(large.count)")
            #expect(try await again.command("QUIT").hasPrefix("+OK"))
            #expect(workspace.maildir.messageFiles(user.name).count == 1)
            #expect(try await server.stop() == 0)
        }
    }
}

/// CPU time a process has used, from /proc.
enum ProcessCPU {
    /// User and system time of `pid`, in seconds.
    static func seconds(of pid: Int32) throws -> Double {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which may hold spaces) start at its closing parenthesis.
        guard let end = stat.lastIndex(of: ")") else { throw IntegrationError("unreadable /proc/\(pid)/stat") }
        let fields = stat[stat.index(after: end)...].split(separator: " ")
        // utime and stime are fields 14 and 15 of the whole line: 12 and 13 here (state is the first).
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else {
            throw IntegrationError("unexpected /proc/\(pid)/stat: \(stat)")
        }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
