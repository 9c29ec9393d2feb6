/// Durations typed on the command line: "90s", "15m", "24h", "7d", "2w", or plain seconds.
enum DurationText {
    /// Seconds, or nil when the text is not a positive duration.
    static func seconds(_ text: String) -> Int64? {
        guard let last = text.last else { return nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400, "w": 604_800]
        let (digits, unit) = last.isNumber ? (Substring(text), Int64(1)) : (text.dropLast(), units[last] ?? 0)
        guard unit > 0, !digits.isEmpty, digits.allSatisfy(\.isASCII), let count = Int64(digits), count > 0 else {
            return nil
        }
        let (total, overflow) = count.multipliedReportingOverflow(by: unit)
        return overflow ? nil : total
    }
}
