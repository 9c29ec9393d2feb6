/// Where an effective setting came from, as `--print-config` shows it.
enum SettingSource: Equatable, CustomStringConvertible {
    case defaultValue
    case file(path: String, line: Int)
    case commandLine

    var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(let path, let line): "\(path):\(line)"
        case .commandLine: "command line"
        }
    }
}
