import ArgumentParser
import MonitorProtocol

/// Where the seed-style command line points: TOKEN [HOST] [PORT], with --token/--host/--port and
/// $POP3CTL_TOKEN as fall-backs. When --token is given, the positionals are HOST [PORT].
struct LegacyTarget: Sendable, Hashable {
    var token: MonitorToken
    var endpoint: MonitorEndpoint

    init(positionals: [String], options: ConnectionOptions, environment: (String) -> String?) throws {
        var rest = positionals[...]
        let tokenText: String?
        if let given = options.token {
            tokenText = given
        } else {
            tokenText = rest.popFirst() ?? environment(ConnectionOptions.tokenVariable)
        }
        token = try ConnectionOptions.token(from: tokenText)
        let host = rest.popFirst() ?? options.host
        var port = options.port
        if let portText = rest.popFirst() {
            guard let number = Int(portText), (1...65_535).contains(number) else {
                throw ValidationError("the port must be a number between 1 and 65535, not '\(portText)'")
            }
            port = number
        }
        guard rest.isEmpty else { throw ValidationError("too many arguments: '\(rest.joined(separator: " "))'") }
        endpoint = MonitorEndpoint(host: host, port: port, timeout: .seconds(options.timeout))
    }
}
