import Foundation
import NIOCore

/// Everything a scenario needs to run once.
struct BenchSettings: Sendable {
    let target: ServerAddress
    let group: any EventLoopGroup
    let scale: FixtureScale
    let password: String
    /// Concurrent sessions (A), or logins in flight (D); 0 takes the scenario's default.
    let concurrency: Int
    let duration: Duration
    /// How many times B and C fetch their messages within one run.
    let passes: Int
    let pipelineDepth: Int
    let sessions: Int
    /// Users override (a printf-style pattern with one %d, used with `userCount`).
    let userPattern: String?
    let userCount: Int?
    /// The server's process, when it is one (D then also reports its resident-set growth).
    let serverPID: Int32?
    /// D: created once every session is logged in; the sessions are held until it is removed.
    let holdFile: String?
    /// The 0-based run number: E uses a fresh maildrop copy per run.
    var runIndex = 0

    func users(default pattern: (Int) -> String, count defaultCount: Int) -> [String] {
        let count = userCount ?? defaultCount
        guard let userPattern else { return (0..<count).map(pattern) }
        return (0..<count).map { userPattern.replacingFirst("%d", with: String($0)) }
    }
}

extension String {
    fileprivate func replacingFirst(_ marker: String, with value: String) -> String {
        guard let range = range(of: marker) else { return self + value }
        return replacingCharacters(in: range, with: value)
    }
}
