#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where pop3ctl writes: data to standard output, messages to standard error.
enum Console {
    static func out(_ text: String) {
        print(text)
    }

    static func error(_ text: String) {
        prompt(text.hasSuffix("\n") ? text : text + "\n")
    }

    /// Writes to standard error without a line end (the C `stderr` global is not concurrency-safe in Swift 6).
    static func prompt(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            guard written > 0 else { return }
            bytes = bytes.dropFirst(written)
        }
    }

    /// The wall clock, Unix seconds.
    static func now() -> Int64 {
        Int64(time(nil))
    }

    /// An environment variable, or nil.
    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}
