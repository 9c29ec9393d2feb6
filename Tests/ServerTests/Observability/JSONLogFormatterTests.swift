import Foundation
import Logging
import Testing

@testable import Server

@Suite("JSON log lines")
struct JSONLogFormatterTests {
    let formatter = JSONLogFormatter()
    let time = Date(timeIntervalSince1970: 1_700_000_000.123)

    /// Parses one line (which must end with exactly one line feed and hold no other) into an object.
    func parse(_ line: [UInt8]) throws -> [String: Any] {
        try #require(line.last == 0x0A, "no line feed at the end")
        try #require(!line.dropLast().contains(0x0A), "a raw line feed inside the line")
        let object = try JSONSerialization.jsonObject(with: Data(line.dropLast()))
        return try #require(object as? [String: Any])
    }

    @Test func eventFieldsAndMetadataAreTopLevel() throws {
        let line = formatter.line(
            time: time, level: .info, label: "pop3d", message: "logout",
            metadata: ["session": "0a1b", "peer": "127.0.0.1", "user": "alice", "top": "1", "retr": "2/812"])
        let object = try parse(line)
        #expect(object["time"] as? String == "2023-11-14T22:13:20.123Z")
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "pop3d")
        #expect(object["message"] as? String == "logout")
        #expect(object["session"] as? String == "0a1b")
        #expect(object["peer"] as? String == "127.0.0.1")
        #expect(object["user"] as? String == "alice")
        #expect(object["top"] as? String == "1")
        #expect(object["retr"] as? String == "2/812")
        #expect(object.count == 9)
        // Fixed order first, then the metadata sorted: equal events give equal bytes.
        #expect(String(decoding: line, as: UTF8.self).hasPrefix(#"{"time":"2023-11-14T22:13:20.123Z","level":"info","#))
    }

    @Test("quotes, backslashes, control characters and non-ASCII survive a round trip")
    func escaping() throws {
        let hostile = "a\"b\\c\nd\re\tf\u{01}g\u{1F}h\u{7F}i é 中 🙂 \u{2028} \u{0}"
        let line = formatter.line(
            time: time, level: .warning, label: "la\"bel", message: hostile, metadata: [hostile: .string(hostile)])
        let object = try parse(line)
        #expect(object["message"] as? String == hostile)
        #expect(object["label"] as? String == "la\"bel")
        #expect(object[hostile] as? String == hostile)
        let text = String(decoding: line, as: UTF8.self)
        #expect(text.contains(#"\u0001"#) && text.contains(#"\u001f"#) && text.contains(#"\u007f"#))
        #expect(text.contains(#"\u0000"#))
        // No raw control byte anywhere but the final line feed.
        #expect(!line.dropLast().contains { $0 < 0x20 || $0 == 0x7F })
    }

    @Test("a metadata key named like an event field does not overwrite it")
    func reservedKeys() throws {
        let object = try parse(
            formatter.line(
                time: time, level: .error, label: "pop3d", message: "real",
                metadata: ["message": "fake", "time": "then", "level": "low", "label": "other"]))
        #expect(object["message"] as? String == "real")
        #expect(object["level"] as? String == "error")
        #expect(object["meta_message"] as? String == "fake")
        #expect(object["meta_time"] as? String == "then")
        #expect(object["meta_level"] as? String == "low")
        #expect(object["meta_label"] as? String == "other")
    }

    @Test func nestedValuesBecomeArraysAndObjects() throws {
        let object = try parse(
            formatter.line(
                time: time, level: .debug, label: "x", message: "m",
                metadata: [
                    "list": ["a", .stringConvertible(42)], "map": ["k": "v", "deep": ["n": ["1"]]],
                    "count": .stringConvertible(7),
                ]))
        #expect(object["list"] as? [String] == ["a", "42"])
        let map = try #require(object["map"] as? [String: Any])
        #expect(map["k"] as? String == "v")
        #expect((map["deep"] as? [String: Any])?["n"] as? [String] == ["1"])
        #expect(object["count"] as? String == "7")
    }

    @Test("metadata precedence: handler, then provider, then the call, then the error")
    func merging() throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "disk \"full\"" } }
        let provider = Logger.MetadataProvider { ["peer": "provided", "trace": "t1"] }
        let event = LogEvent(
            level: .notice, message: "connect", metadata: ["session": "call"], source: "Server", file: #fileID,
            function: #function, line: #line)
        var withError = event
        withError.error = Broken()
        let object = try parse(
            formatter.line(
                for: withError, label: "pop3d", handlerMetadata: ["session": "handler", "peer": "handler", "x": "1"],
                provider: provider, time: time))
        #expect(object["session"] as? String == "call")
        #expect(object["peer"] as? String == "provided")
        #expect(object["trace"] as? String == "t1")
        #expect(object["x"] as? String == "1")
        #expect(object["message"] as? String == "connect")
        #expect(object["level"] as? String == "notice")
        #expect(object["error.message"] as? String == "disk \"full\"")
        #expect((object["error.type"] as? String)?.hasSuffix("Broken") == true)
        let plain = try parse(formatter.line(for: event, label: "pop3d", handlerMetadata: [:], provider: nil))
        #expect(plain.count == 5)
        #expect(plain["error.message"] == nil)
    }

    @Test("UTC timestamps with milliseconds, also before 1970 and at a second's edge")
    func timestamps() {
        #expect(ISO8601Milliseconds.string(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(ISO8601Milliseconds.string(Date(timeIntervalSince1970: -0.5)) == "1969-12-31T23:59:59.500Z")
        #expect(ISO8601Milliseconds.string(Date(timeIntervalSince1970: 951_782_399.9996)) == "2000-02-29T00:00:00.000Z")
        #expect(
            ISO8601Milliseconds.string(Date(timeIntervalSince1970: 4_102_444_799.007)) == "2099-12-31T23:59:59.007Z")
        let now = ISO8601Milliseconds.string(Date())
        #expect(now.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil, "\(now)")
    }
}
