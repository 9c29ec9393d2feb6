import Foundation

/// Makes real crypt hashes with the tools operators use (`openssl passwd`, `htpasswd`), so the tests check
/// libcrypt against hashes nobody wrote by hand.
enum CryptHashTools {
    struct ToolFailed: Error, CustomStringConvertible {
        let description: String
    }

    /// `openssl passwd -6` (SHA512-CRYPT) or `-5` (SHA256-CRYPT).
    static func sha(_ password: String, bits: Int) throws -> String {
        try run("/usr/bin/env", ["openssl", "passwd", bits == 512 ? "-6" : "-5", password])
    }

    /// `htpasswd -bnBC cost "" password`, less the empty user name's ':' (BLF-CRYPT, `$2y$`).
    static func bcrypt(_ password: String, cost: Int = 5) throws -> String {
        let line = try run("/usr/bin/env", ["htpasswd", "-bnBC", String(cost), "", password])
        return String(line.drop(while: { $0 == ":" }))
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw ToolFailed(description: "\(arguments.first ?? executable) exited \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
