import ArgumentParser

/// Merges `--config FILE` with the real command line into the arguments the command is parsed from: the file's
/// lines become `--key=value` words in front of the command line's, and a key the command line sets is taken
/// from the command line only (for repeatable options too). Every problem in the file names its line.
struct ConfigurationResolver<Command: ParsableCommand> {
    /// What the command is parsed from, and what `--print-config` shows.
    struct Resolution {
        var arguments: [String]
        var settings: [EffectiveSetting]
        var printRequested: Bool
    }

    let catalog = OptionCatalog(Command.self)

    func resolve(_ arguments: [String]) throws(ConfigurationError) -> Resolution {
        let helpWords: Set = ["-h", "--help", "--version", "--experimental-dump-help"]
        if arguments.contains(where: helpWords.contains) {
            return Resolution(arguments: arguments, settings: [], printRequested: false)
        }
        let commandLine = CommandLineSetting.scan(arguments, catalog: catalog)
        let printRequested = commandLine.contains { $0.key == "print-config" }
        guard let path = commandLine.last(where: { $0.key == "config" })?.value else {
            return Resolution(
                arguments: arguments, settings: settings(commandLine: commandLine, file: nil, entries: []),
                printRequested: printRequested)
        }
        let file = try ConfigurationFile.load(path)
        let lines = try fileArguments(file)
        let givenKeys = Set(commandLine.map(\.key))
        let active = lines.filter { !givenKeys.contains($0.entry.key) }
        let combined = active.flatMap(\.arguments) + arguments
        try check(
            active: active, overridden: lines.filter { givenKeys.contains($0.entry.key) }, commandLine: arguments)
        return Resolution(
            arguments: combined,
            settings: settings(commandLine: commandLine, file: file, entries: active.map(\.entry)),
            printRequested: printRequested)
    }

    /// A file line and the words it stands for.
    private struct FileLine {
        var entry: ConfigurationEntry
        var arguments: [String]
        var path: String

        func failure(_ message: String) -> ConfigurationError {
            ConfigurationError(file: path, line: entry.line, message: message)
        }
    }

    private func fileArguments(_ file: ConfigurationFile) throws(ConfigurationError) -> [FileLine] {
        var lines: [FileLine] = []
        var firstLine: [String: Int] = [:]
        for entry in file.entries {
            let line = FileLine(entry: entry, arguments: [], path: file.path)
            if OptionCatalog.commandOnlyKeys.contains(entry.key) {
                throw line.failure("\"\(entry.key)\" cannot be set in a configuration file")
            }
            guard let option = catalog.option(key: entry.key) else {
                let hint = catalog.suggestion(for: entry.key).map { " (did you mean \"\($0)\"?)" } ?? ""
                throw line.failure("unknown key \"\(entry.key)\"\(hint)")
            }
            if !option.isRepeating, let first = firstLine[entry.key] {
                throw line.failure("\"\(entry.key)\" is set again (first on line \(first))")
            }
            firstLine[entry.key] = firstLine[entry.key] ?? entry.line
            var words = ["--\(entry.key)=\(entry.value)"]
            if option.isFlag {
                guard let on = Self.switchValue(entry.value) else {
                    throw line.failure("\"\(entry.key)\" is a switch: write true or false, not \"\(entry.value)\"")
                }
                words = on ? ["--\(entry.key)"] : []
            }
            lines.append(FileLine(entry: entry, arguments: words, path: file.path))
        }
        return lines
    }

    /// Parses the merged arguments; on failure, finds the file line to blame. A failure no file line explains
    /// is the command line's own, which ArgumentParser reports as usual once it parses the same words.
    private func check(
        active: [FileLine], overridden: [FileLine], commandLine: [String]
    ) throws(ConfigurationError) {
        let combined = active.flatMap(\.arguments) + commandLine
        guard let problem = problem(combined) else {
            // A value the command line replaces must still be a valid value.
            for line in overridden {
                if let problem = self.problem(combined + line.arguments) {
                    throw line.failure("bad value for \"\(line.entry.key)\": \(problem)")
                }
            }
            return
        }
        // The line whose removal makes everything parse (a bad value, or a value missing its companion).
        for (index, line) in active.enumerated() {
            var others = active
            others.remove(at: index)
            if self.problem(others.flatMap(\.arguments) + commandLine) == nil {
                throw line.failure("bad value for \"\(line.entry.key)\": \(problem)")
            }
        }
        // Several problems: the first line that is wrong even on its own.
        for line in active {
            if let own = self.problem(line.arguments) {
                throw line.failure("bad value for \"\(line.entry.key)\": \(own)")
            }
        }
    }

    private func problem(_ arguments: [String]) -> String? {
        do {
            _ = try Command.parse(arguments)
            return nil
        } catch {
            return Command.message(for: error)
        }
    }

    private static func switchValue(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on", "1": true
        case "false", "no", "off", "0": false
        default: nil
        }
    }

    private func settings(
        commandLine: [CommandLineSetting], file: ConfigurationFile?, entries: [ConfigurationEntry]
    ) -> [EffectiveSetting] {
        catalog.settable.flatMap { option -> [EffectiveSetting] in
            var given = commandLine.filter { $0.key == option.key }
            // A single-value option given twice takes its last value, as ArgumentParser does.
            if !option.isRepeating, let last = given.last { given = [last] }
            if !given.isEmpty {
                return given.map { EffectiveSetting(key: option.key, value: $0.value ?? "true", source: .commandLine) }
            }
            let fromFile = entries.filter { $0.key == option.key }
            if let file, !fromFile.isEmpty {
                return fromFile.map {
                    let value = option.isFlag ? (Self.switchValue($0.value) == true ? "true" : "false") : $0.value
                    return EffectiveSetting(
                        key: option.key, value: value, source: .file(path: file.path, line: $0.line))
                }
            }
            let value = option.defaultValue ?? (option.isFlag ? "false" : nil)
            return [EffectiveSetting(key: option.key, value: value, source: .defaultValue)]
        }
    }
}
