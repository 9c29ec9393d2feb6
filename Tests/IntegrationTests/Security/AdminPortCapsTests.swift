import Foundation
import Storage
import Testing

extension SecurityIntegrationTests {
    /// The monitor port and `/metrics` against the real pop3d: a wrong token ends its connection after one late
    /// answer, connections over the caps get a refusal their client understands, and a trickled metrics request is
    /// cut at its deadline.
    @Suite("Monitor and metrics caps")
    struct AdminPortCapsTests {
        static let token = Array(SeedDefaults.adminToken.utf8)
        static let wrongToken = Array("wrong-token-1234".utf8)
        /// The seed client's -C (historic connections), after VER and TOKEN.
        static let seedGet: [UInt8] = [0x00, 0x00, 0x00, 0x01, 0x00]

        @Test("5,000 pipelined wrong-token requests on one connection get one answer, after the delay, then the close")
        func pipelinedWrongTokens() async throws {
            let workspace = try Workspace()
            let server = try await ServerProcess.start(workspace)
            let monitor = try await ServerAddresses.monitorPort(of: server)

            let connection = try await RawConnection.connect(port: monitor)
            let burst = (1...5_000).flatMap { Self.serverInfo(id: UInt32($0), token: Self.wrongToken) }
            let start = Date()  // before the first byte, so never after the server's delay started
            // The server stops reading at the wrong token, so the send may stall until the close ends it.
            async let sending: Void? = try? connection.send(burst)
            let (bytes, closed) = try await connection.readUntilClosed(timeout: 30)
            let elapsed = Date().timeIntervalSince(start)
            _ = await sending
            #expect(closed, "the connection must be closed after the answer")
            #expect(elapsed >= 1 - 0.05, "answered after \(elapsed) s, before the 1 s delay")
            try #require(bytes.count >= 11, "\(bytes.count) bytes")
            #expect(Array(bytes.prefix(7)) == [0x02, 0, 0, 0, 1, 0x01, 0x05])
            let length = bytes[7...10].reduce(0) { $0 << 8 | Int($1) }
            #expect(bytes.count == 11 + length, "exactly one answer; got \(bytes.count) bytes")

            // The server goes on answering right tokens; its log, in order, holds one refusal before that request.
            let ping = try await AdminCommand.run(["ping"], monitorPort: monitor)
            #expect(ping.status == 0, "\(ping)")
            let pinged = await server.waitForLine {
                $0.message.hasPrefix("monitor request: server info") && $0["admin"] == SeedDefaults.adminName
            }
            #expect(pinged != nil, "\(server.transcript)")
            let refused = server.logLines.filter { $0.message.hasPrefix("monitor request:") && $0["status"] == "0x05" }
            #expect(refused.count == 1, "\(refused.count) wrong-token requests answered")
            #expect(try await server.stop() == 0)
        }

        @Test("the seed client's one request per connection works under the caps; its wrong token is answered late")
        func seedClient() async throws {
            let workspace = try Workspace()
            let server = try await ServerProcess.start(
                workspace, options: ["--monitor-max-connections-per-address", "3"])
            let monitor = try await ServerAddresses.monitorPort(of: server)
            // More connections one after another than the cap: each closed one frees its slot.
            for _ in 0..<10 {
                let connection = try await RawConnection.connect(port: monitor)
                try await connection.send([0x01] + Self.token + Self.seedGet)
                let (answer, closed) = try await connection.readUntilClosed(timeout: 30)
                #expect(closed)
                #expect(answer.count == 7 && answer.prefix(3) == [0x00, 0x00, 0x04], "\(answer)")
            }
            let wrong = try await RawConnection.connect(port: monitor)
            let start = Date()
            try await wrong.send([0x01] + Self.wrongToken + Self.seedGet)
            let (answer, closed) = try await wrong.readUntilClosed(timeout: 30)
            #expect(answer == [0x05, 0x00, 0x01, 0x00])
            #expect(closed)
            #expect(Date().timeIntervalSince(start) >= 1 - 0.05)
            #expect(try await server.stop() == 0)
        }

        @Test("over --monitor-max-connections a request is answered 'server error' and closed, logged and counted")
        func monitorCap() async throws {
            let workspace = try Workspace()
            let server = try await ServerProcess.start(workspace, options: ["--monitor-max-connections", "2"])
            let monitor = try await ServerAddresses.monitorPort(of: server)

            // Two connections, each answered once, so the server has admitted both.
            var held: [RawConnection] = []
            for id in UInt32(1)...2 {
                let connection = try await RawConnection.connect(port: monitor)
                try await connection.send(Self.serverInfo(id: id))
                #expect(try await Self.answer(on: connection).status == 0x00)
                held.append(connection)
            }
            let over = try await RawConnection.connect(port: monitor)
            try await over.send(Self.serverInfo(id: 3))
            let (refusal, closed) = try await over.readUntilClosed(timeout: 30)
            #expect(closed)
            #expect(Array(refusal.prefix(7)) == [0x02, 0, 0, 0, 3, 0x01, 0x06], "\(refusal)")
            #expect(String(decoding: refusal.dropFirst(11), as: UTF8.self).contains("too many connections"))
            let ping = try await AdminCommand.run(["ping"], monitorPort: monitor)
            #expect(ping.status == 1, "\(ping)")
            #expect(ping.errors.contains("too many connections"), "\(ping)")

            // A closed connection frees its slot once the server has seen it go: retried until then.
            held[0].close()
            let deadline = Date().addingTimeInterval(30)
            var admitted = false
            while !admitted, Date() < deadline {
                admitted = try await AdminCommand.run(["ping"], monitorPort: monitor).status == 0
                if !admitted { try await Task.sleep(for: .milliseconds(40)) }
            }
            #expect(admitted)
            let rejected = try #require(try await AdminCommand.metrics(monitorPort: monitor)["connections_rejected"])
            #expect(rejected >= 2)
            let message = "monitor connection refused: limit reached"
            #expect(await server.waitForLines(message, count: Int(rejected)), "\(server.transcript)")
            #expect(server.lines(message).allSatisfy { $0["limit"] == "total" && $0["peer"] == "127.0.0.1" })
            #expect(try await server.stop() == 0)
        }

        @Test("a trickled /metrics request is closed at --metrics-request-timeout; over the caps a scrape gets 503")
        func metrics() async throws {
            let workspace = try Workspace()
            let server = try await ServerProcess.start(
                workspace,
                options: [
                    "--metrics-listen", "127.0.0.1:0", "--metrics-request-timeout", "0.5",
                    "--metrics-max-connections", "1",
                ])
            let port = try await PrometheusScrapeTests.metricsPort(of: server)

            let trickler = try await RawConnection.connect(port: port)
            let request =
                Array("GET /metrics HTTP/1.1\r\nHost: test\r\nX-Slow: ".utf8) + Array(repeating: 0x61, count: 1_000)
            let start = Date()  // before the first byte, so never after the server's deadline started
            #expect(try await trickler.trickleUntilClosed(request, interval: 0.05, timeout: 30))
            #expect(Date().timeIntervalSince(start) >= 0.5 - 0.05)
            #expect(await server.waitForLines("metrics request incomplete in time; closing", count: 1))

            // The one slot, held by a keep-alive connection (once the trickler's slot is free: retried until then).
            let deadline = Date().addingTimeInterval(30)
            var held: RawConnection?
            while held == nil, Date() < deadline {
                let connection = try await RawConnection.connect(port: port)
                try await connection.send("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
                if try await Self.httpStatus(on: connection) == 200 {
                    held = connection
                } else {
                    connection.close()
                    try await Task.sleep(for: .milliseconds(40))
                }
            }
            let keptAlive = try #require(held)
            let over = try await RawConnection.connect(port: port)
            try await over.send("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
            let (refusal, closed) = try await over.readUntilClosed(timeout: 30)
            #expect(closed)
            #expect(String(decoding: refusal, as: UTF8.self).hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"))
            #expect(try await PrometheusScrapeTests.status(["http://127.0.0.1:\(port)/metrics"]) == "503")
            #expect(await server.waitForLines("metrics connection refused: limit reached", count: 2))

            // The held connection is still served; once it goes, curl gets in.
            try await keptAlive.send("GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
            #expect(try await Self.httpStatus(on: keptAlive) == 200)
            keptAlive.close()
            var scraped = false
            while !scraped, Date() < deadline.addingTimeInterval(30) {
                scraped = try await PrometheusScrapeTests.status(["http://127.0.0.1:\(port)/metrics"]) == "200"
                if !scraped { try await Task.sleep(for: .milliseconds(40)) }
            }
            #expect(scraped)
            #expect(try await server.stop() == 0)
        }

        // MARK: Helpers

        /// A v2 server-info request.
        static func serverInfo(id: UInt32, token: [UInt8] = token) -> [UInt8] {
            [0x02] + token + withUnsafeBytes(of: id.bigEndian, Array.init) + [0x01, 0, 0, 0, 0]
        }

        /// Reads one v2 answer: its status and its DATA.
        static func answer(on connection: RawConnection) async throws -> (status: UInt8, data: [UInt8]) {
            let header = try await connection.read(count: 11)
            let length = header[7...10].reduce(0) { $0 << 8 | Int($1) }
            return (header[6], try await connection.read(count: length))
        }

        /// Reads one HTTP response with a Content-Length and returns its status code (0 when the server closed).
        static func httpStatus(on connection: RawConnection) async throws -> Int {
            guard let statusLine = try? await connection.line() else { return 0 }
            var length = 0
            while true {
                let line = try await connection.line()
                if line.isEmpty { break }
                if line.lowercased().hasPrefix("content-length:") {
                    length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            _ = try await connection.read(count: length)
            return Int(statusLine.split(separator: " ").dropFirst().first ?? "") ?? 0
        }
    }
}
