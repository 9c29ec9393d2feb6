import Foundation
import Testing

/// pop3d raises its soft open-file limit to the hard one at start-up, so a shell's 1,024 (here 256) does not cap
/// it near a thousand sessions; the log says from what to what.
@Suite("Open-file limit")
struct OpenFileLimitTests {
    @Test func theSoftLimitIsRaisedToTheHardOne() async throws {
        let workspace = try Workspace()
        let server = try await ServerProcess.start(workspace, softOpenFileLimit: 256)
        let limits = try String(contentsOfFile: "/proc/\(server.pid)/limits", encoding: .utf8)
        let line = try #require(limits.split(separator: "\n").first { $0.hasPrefix("Max open files") })
        let numbers = line.split(separator: " ").compactMap { Int($0) }
        #expect(numbers.count == 2 && numbers[0] == numbers[1] && numbers[0] > 256, "\(line)")
        let raised = try #require(server.lines("open-file limit raised").first, "\(server.transcript)")
        #expect(raised["from"] == "256")
        #expect(raised["to"] == numbers.last.map(String.init))
        #expect(try await server.stop() == 0)
    }
}
