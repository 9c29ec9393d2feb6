import ArgumentParser
import MonitorProtocol

/// `pop3ctl users ...`: POP3 accounts.
struct UsersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "users", abstract: "Add, delete, list and import POP3 users; change passwords and policies.",
        subcommands: [
            UsersAddCommand.self, UsersDeleteCommand.self, UsersListCommand.self, UsersPasswdCommand.self,
            UsersImportCommand.self, UsersPolicyCommand.self, UsersHiddenCommand.self, UsersPurgeHiddenCommand.self,
            AppPasswordCommand.self,
        ])
}

/// `pop3ctl users add NAME [--password P]`.
struct UsersAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a user.",
        discussion: "Without --password the password is asked twice on a terminal, or read as one line from stdin.")

    @Argument(help: "The user name.") var name: String
    @Option(help: "The password (visible to other local users in the process list; prefer the prompt).")
    var password: String?
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        try UserFields.check(name: name, password: password)
    }

    func run() async throws {
        let secret = try password ?? SecretInput.password(for: name)
        try UserFields.check(name: name, password: secret)
        _ = try await MonitorCall.run(connection) {
            try await $0.perform(.addUser(name: name, password: secret), action: "add user \(name)")
        }
        Console.out("added user \(name)")
    }
}

/// `pop3ctl users del NAME`.
struct UsersDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "del", abstract: "Delete a user.", aliases: ["delete"])

    @Argument(help: "The user name.") var name: String
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        try UserFields.check(name: name, password: nil)
    }

    func run() async throws {
        _ = try await MonitorCall.run(connection) {
            try await $0.perform(.deleteUser(name: name), action: "delete user \(name)")
        }
        Console.out("deleted user \(name)")
    }
}

/// `pop3ctl users list`.
struct UsersListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List users.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let users = try await MonitorCall.run(connection) { try await $0.allUsers() }
        Console.out(
            output.json ? ListViews.accountsJSON(users).rendered() : ListViews.accounts(users, nameHeader: "USER"))
    }
}

/// `pop3ctl users passwd NAME [--password P]`.
struct UsersPasswdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd", abstract: "Change a user's password (asked for when --password is not given).")

    @Argument(help: "The user name.") var name: String
    @Option(help: "The new password.") var password: String?
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        try UserFields.check(name: name, password: password)
    }

    func run() async throws {
        let secret = try password ?? SecretInput.password(for: name)
        try UserFields.check(name: name, password: secret)
        _ = try await MonitorCall.run(connection) {
            try await $0.perform(.changePassword(name: name, password: secret), action: "change password of \(name)")
        }
        Console.out("changed the password of \(name)")
    }
}

/// Local checks of names and passwords, so a bad value is refused before anything is sent.
enum UserFields {
    static func check(name: String, password: String?) throws {
        guard TextField.name.accepts(name) else {
            throw ValidationError("the user name must be \(TextField.name.rule)")
        }
        if let password, !TextField.password.accepts(password) {
            throw ValidationError("the password must be \(TextField.password.rule)")
        }
    }
}
