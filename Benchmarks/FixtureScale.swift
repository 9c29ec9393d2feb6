import ArgumentParser

/// How big the fixtures are: `full` is issue 6's sizes, `smoke` a few seconds' worth for CI.
enum FixtureScale: String, ExpressibleByArgument, CaseIterable, Sendable {
    case full
    case smoke

    /// Scenario A: users in the login storm and messages in each of their maildrops.
    var loginUsers: Int { self == .full ? 200 : 20 }
    var loginMessages: Int { 2 }
    /// Scenario B: users (one session each) and messages of about 4 KB per user.
    var smallMessageUsers: Int { 8 }
    var smallMessagesPerUser: Int { self == .full ? 1_000 : 100 }
    /// Scenario C: the size of the one large message.
    var largeMessageBytes: Int { self == .full ? 50_000_000 : 5_000_000 }
    /// Scenario D: distinct users, one idle session each.
    var idleUsers: Int { self == .full ? 10_000 : 200 }
    /// Scenario E: messages in the big maildrop, and how many copies (one fresh maildrop per run).
    var bigMaildropMessages: Int { self == .full ? 50_000 : 2_000 }
    var bigMaildropCopies: Int { self == .full ? 3 : 1 }

    static func loginUser(_ index: Int) -> String { "a" + padded(index, 3) }
    static func smallMessageUser(_ index: Int) -> String { "b\(index)" }
    static let largeMessageUser = "c0"
    static func idleUser(_ index: Int) -> String { "d" + padded(index, 5) }
    static func bigMaildropUser(_ index: Int) -> String { "e\(index)" }

    private static func padded(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
