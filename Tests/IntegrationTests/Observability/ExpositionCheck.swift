/// A line-by-line check of Prometheus text exposition format 0.0.4, as a scraper reads it.
struct ExpositionCheck {
    /// Sample values by series (`name` or `name{labels}`).
    private(set) var samples: [String: Double] = [:]
    /// Declared types by metric name.
    private(set) var types: [String: String] = [:]
    /// Everything wrong, one line each; empty for a valid exposition.
    private(set) var problems: [String] = []

    init(_ text: String) {
        guard text.hasSuffix("\n") else {
            problems.append("the body does not end with a line feed")
            return
        }
        var helped: Set<String> = []
        var sampled: Set<String> = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
            let where_ = "line \(number + 1): \(line)"
            if line.hasPrefix("# HELP ") {
                let words = line.split(separator: " ", maxSplits: 3)
                guard words.count >= 3, Self.isName(words[2]) else {
                    problems.append("bad HELP, \(where_)")
                    continue
                }
                let name = String(words[2])
                if sampled.contains(name) { problems.append("HELP after samples, \(where_)") }
                if !helped.insert(name).inserted { problems.append("second HELP, \(where_)") }
            } else if line.hasPrefix("# TYPE ") {
                let words = line.split(separator: " ")
                guard words.count == 4, Self.isName(words[2]),
                    ["counter", "gauge", "histogram", "summary", "untyped"].contains(words[3])
                else {
                    problems.append("bad TYPE, \(where_)")
                    continue
                }
                let name = String(words[2])
                if sampled.contains(name) { problems.append("TYPE after samples, \(where_)") }
                if types.updateValue(String(words[3]), forKey: name) != nil {
                    problems.append("second TYPE, \(where_)")
                }
                if types[name] == "counter", !name.hasSuffix("_total") {
                    problems.append("counter without _total, \(where_)")
                }
            } else if line.hasPrefix("#") || line.isEmpty {
                continue
            } else {
                check(sample: line, where_: where_, sampled: &sampled)
            }
        }
        for name in types.keys where !sampled.contains(name) { problems.append("\(name) has a TYPE but no sample") }
    }

    /// `name value` or `name{label="value",…} value`.
    private mutating func check(sample line: Substring, where_: String, sampled: inout Set<String>) {
        guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
            problems.append("no value, \(where_)")
            return
        }
        let series = line[..<space]
        let name = series.firstIndex(of: "{").map { series[..<$0] } ?? series
        guard Self.isName(name) else {
            problems.append("bad metric name, \(where_)")
            return
        }
        if let open = series.firstIndex(of: "{") {
            let labels = series[series.index(after: open)...]
            guard
                labels.wholeMatch(
                    of:
                        /([a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")(,[a-zA-Z_][a-zA-Z0-9_]*="([^"\\\n]|\\[\\"n])*")*}/
                ) != nil
            else {
                problems.append("bad labels, \(where_)")
                return
            }
        }
        let family = Self.family(of: String(name), types: types)
        if types[family] == nil { problems.append("sample before its TYPE, \(where_)") }
        sampled.insert(family)
        if samples.updateValue(value, forKey: String(series)) != nil { problems.append("duplicate series, \(where_)") }
    }

    /// A histogram's `_bucket`, `_sum` and `_count` samples belong to its family.
    private static func family(of name: String, types: [String: String]) -> String {
        for suffix in ["_bucket", "_sum", "_count"] where name.hasSuffix(suffix) {
            let base = String(name.dropLast(suffix.count))
            if types[base] == "histogram" { return base }
        }
        return name
    }

    private static func isName(_ name: Substring) -> Bool {
        name.wholeMatch(of: /[a-zA-Z_:][a-zA-Z0-9_:]*/) != nil
    }
}
