import ArgumentParser
import Foundation

/// Every option pop3d accepts, read from ArgumentParser's own description of the command, so options added
/// anywhere (option groups included) can be set in a configuration file without being listed here.
struct OptionCatalog {
    /// One option or flag: its long name (the file's key), short names, and default.
    struct Option {
        var key: String
        var shortNames: [Character]
        var isFlag: Bool
        var isRepeating: Bool
        var defaultValue: String?
    }

    /// Options that steer pop3d itself rather than the server: never read from a configuration file.
    static let commandOnlyKeys: Set<String> = [
        "config", "print-config", "help", "version", "experimental-dump-help",
        // A one-off repair: from a file it would replace the token at every start.
        "reset-admin-token",
    ]

    let options: [Option]

    init(_ command: any ParsableCommand.Type) {
        // `_dumpHelp()` is ArgumentParser's JSON description of the command (`--experimental-dump-help`).
        let json = Data(command._dumpHelp().utf8)
        let arguments = (try? JSONDecoder().decode(Dump.self, from: json))?.command.arguments ?? []
        options = arguments.compactMap { argument in
            guard argument.kind == "option" || argument.kind == "flag",
                let key = argument.names?.first(where: { $0.kind == "long" })?.name
            else { return nil }
            let shorts = (argument.names ?? []).filter { $0.kind == "short" }.compactMap(\.name.first)
            return Option(
                key: key, shortNames: shorts, isFlag: argument.kind == "flag",
                isRepeating: argument.isRepeating ?? false, defaultValue: argument.defaultValue)
        }
    }

    func option(key: String) -> Option? {
        options.first { $0.key == key }
    }

    func option(short: Character) -> Option? {
        options.first { $0.shortNames.contains(short) }
    }

    /// Options a configuration file may set, in `--help` order.
    var settable: [Option] {
        options.filter { !Self.commandOnlyKeys.contains($0.key) }
    }

    /// The settable key closest to a misspelt one (at most two edits away), for "did you mean".
    func suggestion(for key: String) -> String? {
        let scored = settable.map { ($0.key, EditDistance.between($0.key, key)) }
        guard let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= 2 else { return nil }
        return best.0
    }

    private struct Dump: Decodable {
        var command: Command
    }

    private struct Command: Decodable {
        var arguments: [Argument]?
    }

    private struct Argument: Decodable {
        var kind: String
        var names: [Name]?
        var isRepeating: Bool?
        var defaultValue: String?
    }

    private struct Name: Decodable {
        var kind: String
        var name: String
    }
}
