import ArgumentParser
import MonitorProtocol

/// --host, --port, --token and --timeout, shared by every command.
struct ConnectionOptions: ParsableArguments {
    static let tokenVariable = "POP3CTL_TOKEN"

    @Option(help: "The monitor's address.")
    var host = "127.0.0.1"

    @Option(help: "The monitor's port.")
    var port = 1081

    @Option(help: "The admin token: 16 printable ASCII characters. Default: $POP3CTL_TOKEN.")
    var token: String?

    @Option(help: "Seconds to wait for the connection and for each answer.")
    var timeout = 5

    func validate() throws {
        guard (1...65_535).contains(port) else { throw ValidationError("--port must be between 1 and 65535") }
        guard (1...600).contains(timeout) else { throw ValidationError("--timeout must be between 1 and 600 seconds") }
    }

    var endpoint: MonitorEndpoint {
        MonitorEndpoint(host: host, port: port, timeout: .seconds(timeout))
    }

    /// The token from --token, else from the environment.
    func resolvedToken(environment: (String) -> String? = Console.environment) throws -> MonitorToken {
        try Self.token(from: token ?? environment(Self.tokenVariable))
    }

    static func token(from text: String?) throws -> MonitorToken {
        guard let text else {
            throw ValidationError("no token: give --token TOKEN or set \(tokenVariable)")
        }
        guard let token = MonitorToken(text) else {
            throw ValidationError("the token must be exactly 16 printable ASCII characters (no spaces)")
        }
        return token
    }
}

/// --json, for commands whose output is data.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Print JSON instead of a table.")
    var json = false
}
