import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// UTC timestamps like `2026-01-31T23:59:58.123Z` (ISO 8601, milliseconds), written straight into bytes.
enum ISO8601Milliseconds {
    static func append(_ date: Date, to out: inout [UInt8]) {
        let total = Int64((date.timeIntervalSince1970 * 1_000).rounded())
        // Floor division, so times before 1970 keep a positive millisecond part.
        var (seconds, milliseconds) = total.quotientAndRemainder(dividingBy: 1_000)
        if milliseconds < 0 {
            seconds -= 1
            milliseconds += 1_000
        }
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        appendDigits(Int(parts.tm_year) + 1_900, count: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mon) + 1, count: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendDigits(Int(parts.tm_mday), count: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendDigits(Int(parts.tm_hour), count: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_min), count: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendDigits(Int(parts.tm_sec), count: 2, to: &out)
        out.append(UInt8(ascii: "."))
        appendDigits(Int(milliseconds), count: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// `value` in decimal, zero-padded to at least `count` digits.
    private static func appendDigits(_ value: Int, count: Int, to out: inout [UInt8]) {
        let digits = Array(String(value).utf8)
        if digits.count < count { out += [UInt8](repeating: UInt8(ascii: "0"), count: count - digits.count) }
        out += digits
    }

    /// The same timestamp as a string (for tests and callers that want text).
    static func string(_ date: Date) -> String {
        var out: [UInt8] = []
        append(date, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
