import Foundation
import Testing

extension SecurityIntegrationTests {
    /// One address with dozens of first logins queued at once (each a full scrypt check) must not hold up another
    /// address's login for more than its fair share: the hashing queue serves each client in turn, so the honest
    /// login waits for the checks already running and at most one queued check of the flooding address, not the
    /// whole flood. The order is read from pop3d's log (login lines), not from a clock.
    @Suite("Hashing fairness")
    struct HashingFairnessTests {
        @Test func aFloodingAddressDoesNotBlockAnotherClientsLogin() async throws {
            let cores = ProcessInfo.processInfo.activeProcessorCount
            let floodCount = 6 * cores + 20
            let workspace = try Workspace()
            var users = ["hana": "hana's password"]
            for index in 0..<floodCount { users["flood\(index)"] = "flood password \(index)" }
            try await SecurityUsers.create(users, cost: 14, in: workspace)
            let server = try await ServerProcess.start(workspace, options: ["--password-cost", "14"])

            // Every flood connection from 127.0.0.2 has its USER answered, then all send PASS at once.
            var flood: [RawConnection] = []
            for index in 0..<floodCount {
                let connection = try await RawConnection.open(port: server.port, source: "127.0.0.2")
                #expect(try await connection.command("USER flood\(index)").hasPrefix("+OK"))
                flood.append(connection)
            }
            let honest = try await RawConnection.open(port: server.port, source: "127.0.0.1")
            #expect(try await honest.command("USER hana").hasPrefix("+OK"))
            for (index, connection) in flood.enumerated() {
                try await connection.send("PASS flood password \(index)\r\n")
            }

            // The flood is being hashed (and the rest of it queued) once its first login is logged.
            let floodUser: @Sendable (ServerLogLine) -> Bool = {
                $0.message == "login" && $0.fields["user"]?.hasPrefix("flood") == true
            }
            #expect(await server.waitForLine(where: floodUser) != nil, "\(server.transcript)")
            let floodDoneBefore = server.logLines.filter(floodUser).count
            #expect(try await honest.command("PASS hana's password", timeout: 120) == "+OK Logged in.")

            // The answer can overtake the log line on its way through the log pipe: wait for the line itself.
            let honestLogin: @Sendable (ServerLogLine) -> Bool = {
                $0.message == "login" && $0.fields["user"] == "hana"
            }
            #expect(await server.waitForLine(where: honestLogin) != nil, "\(server.transcript)")
            let lines = server.logLines
            let honestIndex = try #require(
                lines.firstIndex { $0.message == "login" && $0.fields["user"] == "hana" }, "\(server.transcript)")
            let floodDoneWhileHonestWaited = lines[..<honestIndex].filter(floodUser).count - floodDoneBefore
            // Fair share: the checks running when hana's PASS came (one per core), one queued flood check before
            // hana's turn, and what the other cores finish while hana's own check runs (a check each, two for
            // slack). First in, first out would have put the whole remaining flood first.
            #expect(
                floodDoneWhileHonestWaited <= 3 * cores + 2,
                "\(floodDoneWhileHonestWaited) flood logins of \(floodCount) were served while hana waited")
            #expect(floodDoneBefore + floodDoneWhileHonestWaited < floodCount, "the flood was over before hana's turn")

            // The whole flood is served too: queued, not refused.
            for connection in flood { #expect(try await connection.line(timeout: 120) == "+OK Logged in.") }
            for connection in flood + [honest] {
                _ = try await connection.command("QUIT")
                connection.close()
            }
        }
    }
}
