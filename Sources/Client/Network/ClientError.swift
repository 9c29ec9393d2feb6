/// Why pop3ctl could not get an answer (as opposed to the server refusing a request).
enum ClientError: Error, Sendable, CustomStringConvertible {
    case cannotConnect(MonitorEndpoint, reason: String)
    case timedOut(MonitorEndpoint)
    case closedEarly(MonitorEndpoint)
    case cannotEncode(String)
    case badResponse(String)

    var description: String {
        switch self {
        case .cannotConnect(let endpoint, let reason): "cannot connect to \(endpoint.description): \(reason)"
        case .timedOut(let endpoint):
            "no answer from \(endpoint.description) within \(endpoint.timeout.components.seconds) s"
        case .closedEarly(let endpoint): "\(endpoint.description) closed the connection without an answer"
        case .cannotEncode(let reason): "cannot send this request: \(reason)"
        case .badResponse(let reason): "the server's answer makes no sense: \(reason)"
        }
    }
}
