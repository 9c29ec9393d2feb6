/// Turns a v1 frame's METHOD, TARGET and DATA into an operation, checking them in that order.
enum LegacyRequestParser {
    static func operation(method: UInt8, target: UInt8, data: [UInt8]) throws(MonitorFailure) -> MonitorOperation {
        guard let legacyMethod = LegacyMethod(rawValue: method) else {
            throw MonitorFailure(.badMethod, "unknown method 0x\(HexText.byte(method))")
        }
        switch legacyMethod {
        case .get:
            guard let counter = LegacyCounter(rawValue: target) else {
                throw MonitorFailure(.badTarget, "unknown GET target 0x\(HexText.byte(target))")
            }
            // The seed client sends DATA 0x00 (DLEN 1), and nothing (DLEN 0) for its -v.
            guard data.isEmpty || data == [0x00] else { throw MonitorFailure(.badData, "GET takes no data") }
            return .legacyCounter(counter)
        case .config:
            guard let configTarget = LegacyConfigTarget(rawValue: target) else {
                throw MonitorFailure(.badTarget, "unknown CONFIG target 0x\(HexText.byte(target))")
            }
            return try config(configTarget, data: data)
        }
    }

    private static func config(_ target: LegacyConfigTarget, data: [UInt8]) throws(MonitorFailure) -> MonitorOperation {
        switch target {
        case .setMaildir:
            return .setMaildir(path: try text(data, .path, "maildir path"))
        case .bufferSize:
            return .setBufferSize(try bufferSize(data))
        case .addAdmin:
            let (name, secret) = try split(data)
            guard let token = MonitorToken(bytes: secret) else {
                throw MonitorFailure(.badData, "the token must be 16 printable ASCII characters")
            }
            return .addAdmin(name: try text(name, .name, "admin name"), token: token)
        case .deleteAdmin:
            return .deleteAdmin(name: try text(data, .name, "admin name"))
        case .addUser:
            let (name, password) = try split(data)
            return .addUser(
                name: try text(name, .name, "user name"), password: try text(password, .password, "password"))
        case .deleteUser:
            return .deleteUser(name: try text(data, .name, "user name"))
        }
    }

    /// Splits "name NUL rest" at the first NUL.
    private static func split(_ data: [UInt8]) throws(MonitorFailure) -> ([UInt8], [UInt8]) {
        guard let separator = data.firstIndex(of: 0x00) else {
            throw MonitorFailure(.badData, "expected a name, a NUL byte, then a value")
        }
        return (Array(data[..<separator]), Array(data[(separator + 1)...]))
    }

    private static func text(_ bytes: [UInt8], _ field: TextField, _ what: String) throws(MonitorFailure) -> String {
        guard let text = field.text(from: bytes) else {
            throw MonitorFailure(.badData, "the \(what) must be \(field.rule)")
        }
        return text
    }

    /// Decimal ASCII digits, or else a 1, 2, 4 or 8 byte big-endian number; never 0.
    private static func bufferSize(_ data: [UInt8]) throws(MonitorFailure) -> UInt64 {
        let isDecimal = !data.isEmpty && data.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
        var value: UInt64 = 0
        if isDecimal {
            for digit in data {
                let (times, overflowTimes) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowSum) = times.addingReportingOverflow(UInt64(digit - UInt8(ascii: "0")))
                guard !overflowTimes, !overflowSum else { throw MonitorFailure(.badData, "buffer size too large") }
                value = sum
            }
        } else if [1, 2, 4, 8].contains(data.count) {
            value = data.reduce(0) { ($0 << 8) | UInt64($1) }
        } else {
            throw MonitorFailure(.badData, "buffer size must be decimal digits or a 1, 2, 4 or 8 byte number")
        }
        guard value >= 1 else { throw MonitorFailure(.badData, "buffer size must be at least 1") }
        return value
    }
}
