#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a password without putting it on the command line: asked twice with echo off on a terminal,
/// or one line from standard input when it is a pipe.
enum SecretInput {
    enum Failure: Error, CustomStringConvertible {
        case noInput
        case mismatch

        var description: String {
            switch self {
            case .noInput: "no password given (use --password, type it at the prompt, or pipe it on stdin)"
            case .mismatch: "the two passwords differ"
            }
        }
    }

    static func password(for user: String) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw Failure.noInput }
            return line
        }
        let first = try prompt("New password for \(user): ")
        let second = try prompt("Again: ")
        guard first == second else { throw Failure.mismatch }
        return first
    }

    private static func prompt(_ text: String) throws -> String {
        Console.prompt(text)
        var saved = termios()
        let hasTerminal = tcgetattr(STDIN_FILENO, &saved) == 0
        if hasTerminal {
            var quiet = saved
            quiet.c_lflag &= ~tcflag_t(ECHO)
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet)
        }
        defer {
            if hasTerminal { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
            Console.prompt("\n")
        }
        guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw Failure.noInput }
        return line
    }
}
