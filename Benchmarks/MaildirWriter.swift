import Foundation

/// Writes maildrops with plain POSIX calls: the full fixtures are over 170,000 files.
struct MaildirWriter {
    let root: String
    private(set) var files = 0

    init(root: String) { self.root = root }

    mutating func maildrop(_ user: String, messages: [[UInt8]]) throws {
        let base = root + "/" + user
        for folder in ["cur", "new", "tmp"] {
            try FileManager.default.createDirectory(atPath: base + "/" + folder, withIntermediateDirectories: true)
        }
        for (index, message) in messages.enumerated() {
            // The base name looks like a delivery agent's: time, unique part, host.
            let path = "\(base)/new/\(1_700_000_000 + index).M\(index)P6.bench"
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o644)
            guard descriptor >= 0 else { throw FixtureError.cannotWrite(path, errno) }
            defer { close(descriptor) }
            let written = message.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard written == message.count else { throw FixtureError.cannotWrite(path, errno) }
            files += 1
        }
    }
}

/// A fixture file that could not be written.
enum FixtureError: Error, CustomStringConvertible {
    case cannotWrite(String, Int32)

    var description: String {
        switch self {
        case .cannotWrite(let path, let code): "cannot write \(path): \(String(cString: strerror(code)))"
        }
    }
}
