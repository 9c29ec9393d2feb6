/// An option given on the command line: its long name and its value (nil for a flag).
struct CommandLineSetting: Equatable {
    var key: String
    var value: String?

    /// The options `arguments` sets, in order, in any of the forms ArgumentParser accepts (`--port 110`,
    /// `--port=110`, `-p 110`). Words that are no known option are skipped: ArgumentParser reports them.
    static func scan(_ arguments: [String], catalog: OptionCatalog) -> [CommandLineSetting] {
        var settings: [CommandLineSetting] = []
        var index = 0
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            if word == "--" { break }
            let option: OptionCatalog.Option?
            var inline: String?
            if word.hasPrefix("--") {
                let body = word.dropFirst(2)
                let parts = body.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                option = catalog.option(key: String(parts[0]))
                if parts.count == 2 { inline = String(parts[1]) }
            } else if word.hasPrefix("-"), word.count >= 2, let short = word.dropFirst().first {
                option = catalog.option(short: short)
                let rest = word.dropFirst(2)
                if !rest.isEmpty { inline = String(rest.hasPrefix("=") ? rest.dropFirst() : rest) }
            } else {
                option = nil
            }
            guard let option else { continue }
            if option.isFlag {
                settings.append(CommandLineSetting(key: option.key, value: nil))
            } else if let inline {
                settings.append(CommandLineSetting(key: option.key, value: inline))
            } else if index < arguments.count {
                settings.append(CommandLineSetting(key: option.key, value: arguments[index]))
                index += 1
            }
        }
        return settings
    }
}
