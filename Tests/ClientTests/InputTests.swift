import MonitorProtocol
import Testing

@testable import Client

/// Durations, metric names, user:secret pairs and import lines.
@Suite struct InputTests {
    @Test func durations() {
        #expect(DurationText.seconds("90s") == 90)
        #expect(DurationText.seconds("15m") == 900)
        #expect(DurationText.seconds("24h") == 86_400)
        #expect(DurationText.seconds("7d") == 604_800)
        #expect(DurationText.seconds("2w") == 1_209_600)
        #expect(DurationText.seconds("300") == 300)
        for bad in ["", "h", "0h", "-1h", "1.5h", "3x", "99999999999999999999w", "١h"] {
            #expect(DurationText.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test func metricNames() {
        #expect(MetricName.resolve("bytes_in") == .bytesIn)
        #expect(MetricName.resolve("CONNECTIONS") == .connectionsTotal)
        #expect(MetricName.resolve("13") == .uptimeSeconds)
        #expect(MetricName.resolve("14") == .connectionsRejected)
        #expect(MetricName.resolve("16") == .eventLoopLagMaxMilliseconds)
        #expect(MetricName.resolve("17") == .databaseBytes)
        #expect(MetricName.resolve("18") == nil)
        #expect(MetricName.resolve("conn") == nil)
    }

    @Test func credentialPairsSplitAtTheFirstColon() {
        #expect(CredentialPair("bob:a:b") == CredentialPair(name: "bob", secret: "a:b"))
        #expect(CredentialPair("bob") == nil)
        #expect(CredentialPair(":pw") == nil)
        #expect(CredentialPair("bob:") == nil)
    }

    @Test func importLines() {
        let lines = ImportLines(text: "bob:secret\r\n# comment\n\nbad line\n:nopass\nann:pw\n").numbered
        #expect(lines.map(\.0) == [1, 2, 3, 4, 5, 6])
        #expect(lines[0].1 == .user(name: "bob", password: "secret"))
        #expect(lines[1].1 == .skip)
        #expect(lines[2].1 == .skip)
        #expect(lines[3].1 == .invalid(reason: "expected user:password"))
        #expect(lines[4].1 == .invalid(reason: "expected user:password"))
        #expect(lines[5].1 == .user(name: "ann", password: "pw"))
    }

    @Test func importOutcomesAndSummary() {
        var summary = ImportSummary()
        let outcomes: [ImportOutcome] = [
            .added(name: "bob"), .skipped, .failed(name: "ann", reason: "already exists: x"),
            .failed(name: nil, reason: "expected user:password"),
        ]
        for outcome in outcomes { summary.count(outcome) }
        #expect(summary.text == "1 added, 2 failed")
        #expect(outcomes[0].report(line: 1) == "line 1: bob: added")
        #expect(outcomes[1].report(line: 2) == nil)
        #expect(outcomes[2].report(line: 3) == "line 3: ann: failed: already exists: x")
        #expect(outcomes[3].report(line: 4) == "line 4: skipped: expected user:password")
    }

    @Test func generatedTokensAreValidAndDiffer() {
        let tokens = (0..<20).map { _ in MonitorToken.random().text }
        #expect(Set(tokens).count == 20)
        #expect(tokens.allSatisfy { MonitorToken($0) != nil && $0.allSatisfy { $0.isLetter || $0.isNumber } })
    }
}

extension CredentialPair {
    init(name: String, secret: String) {
        self.init("\(name):\(secret)")!
    }
}
