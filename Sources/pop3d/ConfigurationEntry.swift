/// One `key = value` line of a configuration file, with its line number for messages.
struct ConfigurationEntry: Equatable {
    var key: String
    var value: String
    var line: Int
}
