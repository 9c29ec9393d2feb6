import Foundation

/// `--print-config`'s text: every setting as a configuration-file line, followed by where it came from.
/// The output is itself a valid configuration file.
enum EffectiveConfiguration {
    static func render(_ settings: [EffectiveSetting], version: String) -> String {
        let lines = settings.map { setting -> (String, String) in
            guard let value = setting.value else { return ("# \(setting.key) is not set", "\(setting.source)") }
            return ("\(setting.key) = \(quoted(value))", "\(setting.source)")
        }
        let width = min(48, lines.map(\.0.count).max() ?? 0)
        var text = "# \(version): effective settings; after each, where it came from\n"
        for (setting, source) in lines {
            let padding = String(repeating: " ", count: max(1, width - setting.count + 2))
            text += "\(setting)\(padding)# \(source)\n"
        }
        return text
    }

    /// Quotes a value a configuration file would otherwise read differently (empty, spaces at an end, ` #`).
    static func quoted(_ value: String) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        let needsQuotes = value.isEmpty || trimmed != value || value.contains(" #") || value.contains("\t#")
        return needsQuotes ? "\"\(value)\"" : value
    }
}
