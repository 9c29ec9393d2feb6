import ArgumentParser
import MonitorProtocol

/// `pop3ctl users policy NAME [--login-delay N|default] [--expire N|never|default]`: a user's own RFC 2449 policy.
struct UsersPolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Show or set a user's own LOGIN-DELAY and EXPIRE.",
        discussion: """
            Without options the policy is shown. 'default' removes the user's own value, so pop3d's --login-delay \
            or --expire applies again. CAPA before login says USER when values differ between users.
            """)

    @Argument(help: "The user name.") var name: String
    @Option(
        name: .customLong("login-delay"),
        help: "Seconds between two logins (0: none), or 'default'.",
        transform: { try PolicyArgument.parse($0, allowsNever: false) })
    var loginDelay: PolicySetting?
    @Option(
        name: .customLong("expire"),
        help:
            "Days a message stays after its first retrieval (0: deleted at that session's QUIT), 'never', or 'default'.",
        transform: { try PolicyArgument.parse($0, allowsNever: true) })
    var expire: PolicySetting?
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        try UserFields.check(name: name, password: nil)
    }

    func run() async throws {
        let change = UserPolicyChange(loginDelay: loginDelay ?? .keep, expire: expire ?? .keep)
        let action = change == UserPolicyChange() ? "show the policy of \(name)" : "set the policy of \(name)"
        let reply = try await MonitorCall.run(connection) {
            try await $0.perform(
                .userPolicy(name: name, change: change), action: action,
                unknownHint: "the server is older than per-user policies")
        }
        guard case .userPolicy(let entry) = reply else {
            Console.error("pop3ctl: \(action): unexpected answer")
            throw ExitCode(2)
        }
        Console.out(output.json ? PolicyView.json(name: name, entry).rendered() : PolicyView.text(name: name, entry))
    }
}

/// A policy value typed on the command line.
enum PolicyArgument {
    static func parse(_ text: String, allowsNever: Bool) throws -> PolicySetting {
        switch text {
        case "default": return .serverDefault
        case "never" where allowsNever: return .never
        default:
            guard let value = Int64(text), value >= 0 else {
                throw ValidationError(
                    "expected a number 0 or more\(allowsNever ? ", 'never'" : ""), or 'default', not '\(text)'")
            }
            return .value(value)
        }
    }
}

/// How `users policy` shows its answer.
enum PolicyView {
    static func text(name: String, _ entry: UserPolicyEntry) -> String {
        """
        user \(name)
        login-delay: \(describe(entry.loginDelay, unit: "seconds")) (\(origin(entry.ownLoginDelay)))
        expire: \(describe(entry.expire, unit: "days")) (\(origin(entry.ownExpire)))
        """
    }

    static func json(name: String, _ entry: UserPolicyEntry) -> JSONValue {
        .object([
            ("user", .string(name)),
            ("login_delay_seconds", value(entry.loginDelay)),
            ("login_delay_own", .bool(entry.ownLoginDelay != .serverDefault)),
            ("expire_days", value(entry.expire)),
            ("expire_own", .bool(entry.ownExpire != .serverDefault)),
        ])
    }

    private static func value(_ setting: PolicySetting) -> JSONValue {
        if case .value(let number) = setting { return .integer(number) }
        return .string("never")
    }

    private static func describe(_ setting: PolicySetting, unit: String) -> String {
        if case .value(let number) = setting { return "\(number) \(unit)" }
        return "never"
    }

    private static func origin(_ own: PolicySetting) -> String {
        own == .serverDefault ? "server default" : "the user's own"
    }
}
