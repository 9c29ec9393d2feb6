/// A configuration file pop3d cannot use: the message names the file and, where there is one, the line.
struct ConfigurationError: Error, Equatable, CustomStringConvertible {
    var file: String
    var line: Int?
    var message: String

    var description: String {
        line.map { "\(file):\($0): \(message)" } ?? "\(file): \(message)"
    }
}
