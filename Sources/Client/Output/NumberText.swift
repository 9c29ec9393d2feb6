/// Numbers, byte counts, durations and times written for people.
enum NumberText {
    /// "1234", "1.2k", "3.4M": short labels for chart scales.
    static func compact(_ value: Double) -> String {
        let units: [(Double, String)] = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (size, suffix) in units where abs(value) >= size {
            return oneDecimal(value / size) + suffix
        }
        return value == value.rounded() ? String(Int64(value)) : oneDecimal(value)
    }

    /// "512 B", "1.5 KiB", "2.0 GiB".
    static func bytes(_ value: UInt64) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        guard value >= 1024 else { return "\(value) B" }
        var scaled = Double(value) / 1024
        var unit = 0
        while scaled >= 1024 && unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        return "\(oneDecimal(scaled)) \(units[unit])"
    }

    /// "45s", "3m 20s", "2h 5m", "3d 4h".
    static func duration(seconds: UInt64) -> String {
        let days = seconds / 86_400
        let hours = seconds % 86_400 / 3_600
        let minutes = seconds % 3_600 / 60
        let rest = seconds % 60
        if days > 0 { return "\(days)d \(hours)h" }
        if hours > 0 { return "\(hours)h \(minutes)m" }
        if minutes > 0 { return "\(minutes)m \(rest)s" }
        return "\(rest)s"
    }

    /// A value with at most two decimals, without trailing zeros: "3", "2.5", "0.33".
    static func decimal(_ value: Double) -> String {
        let hundredths = (value * 100).rounded()
        guard abs(hundredths) < 9e17 else { return "\(value)" }
        let whole = Int64(hundredths) / 100
        let fraction = abs(Int64(hundredths) % 100)
        let sign = hundredths < 0 && whole == 0 ? "-" : ""
        if fraction == 0 { return "\(sign)\(whole)" }
        let digits = fraction < 10 ? "0\(fraction)" : "\(fraction)"
        return "\(sign)\(whole).\(digits.hasSuffix("0") ? String(digits.dropLast()) : digits)"
    }

    private static func oneDecimal(_ value: Double) -> String {
        let tenths = Int64((value * 10).rounded())
        return "\(tenths / 10).\(abs(tenths % 10))"
    }
}
