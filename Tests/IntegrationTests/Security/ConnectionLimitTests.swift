import Foundation
import Testing

extension SecurityIntegrationTests {
    /// Over `--max-connections`, a new connection gets `-ERR [SYS/TEMP]` and is closed; the held ones are
    /// unaffected, and a slot frees when one closes. (Loopback is exempt from the per-address cap, so that cap
    /// is covered by the unit tests.)
    @Suite("Connection limits")
    struct ConnectionLimitTests {
        @Test func theTotalCapRefusesAndRecovers() async throws {
            let workspace = try Workspace()
            let server = try await ServerProcess.start(workspace, options: ["--max-connections", "5"])
            let monitor = try await ServerAddresses.monitorPort(of: server)

            var held: [RawConnection] = []
            for _ in 0..<5 { held.append(try await RawConnection.open(port: server.port)) }
            let refused = try await RawConnection.connect(port: server.port)
            let answer = try await refused.line()
            #expect(answer.hasPrefix("-ERR [SYS/TEMP]"), "\(answer)")
            #expect(answer.lowercased().contains("too many connections"), "\(answer)")
            let (rest, closed) = try await refused.readUntilClosed(timeout: 30)
            #expect(closed, "the refused connection must be closed")
            #expect(rest.isEmpty, "nothing after the refusal: \(String(decoding: rest, as: UTF8.self))")
            refused.close()

            for connection in held {
                #expect(try await connection.command("CAPA").hasPrefix("+OK"))
                _ = try await connection.multilineLines()
            }
            // Closing one of the five lets exactly one new connection in.
            #expect(try await held[0].command("QUIT").hasPrefix("+OK"))
            held[0].close()
            let next = try await Self.openWhenAdmitted(port: server.port)
            let over = try await RawConnection.connect(port: server.port)
            #expect(try await over.line().hasPrefix("-ERR [SYS/TEMP]"))
            over.close()
            for connection in held.dropFirst() + [next] {
                #expect(try await connection.command("QUIT").hasPrefix("+OK"))
                connection.close()
            }
            let afterAll = try await Self.openWhenAdmitted(port: server.port)
            #expect(try await afterAll.command("QUIT").hasPrefix("+OK"))

            let refusals = server.lines("connection refused: limit reached")
            #expect(refusals.count >= 2, "\(server.log)")
            #expect(refusals.allSatisfy { $0["limit"] == "total" && $0["peer"] == "127.0.0.1" })
            let metrics = try await AdminCommand.metrics(monitorPort: monitor)
            #expect(metrics["connections_rejected"] == Double(refusals.count), "\(metrics)")
            #expect(try await server.stop() == 0)
        }

        /// A slot is released just after the server logs the close (when the channel's close completes); retry
        /// until then, with a deadline far beyond any scheduling delay rather than a fixed count of short sleeps.
        private static func openWhenAdmitted(port: Int) async throws -> RawConnection {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                let connection = try await RawConnection.connect(port: port)
                let first = try await connection.line()
                if first.hasPrefix("+OK") { return connection }
                connection.close()
                try await Task.sleep(for: .milliseconds(40))
            }
            throw IntegrationError("no connection was admitted within 30 s after a slot was freed")
        }
    }
}
