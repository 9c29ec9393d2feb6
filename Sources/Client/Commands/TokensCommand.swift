import ArgumentParser
import MonitorProtocol

/// `pop3ctl tokens ...`: monitor admins and their tokens.
struct TokensCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tokens", abstract: "Add, delete and list monitor admins (tokens are never shown back).",
        subcommands: [TokensAddCommand.self, TokensDeleteCommand.self, TokensListCommand.self])
}

/// `pop3ctl tokens add ADMIN [TOKEN]`.
struct TokensAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add an admin; without TOKEN a random one is made and printed once.")

    @Argument(help: "The admin name.") var admin: String
    @Argument(help: "The new admin's token: 16 printable ASCII characters.") var newToken: String?
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard TextField.name.accepts(admin) else {
            throw ValidationError("the admin name must be \(TextField.name.rule)")
        }
        if let newToken, MonitorToken(newToken) == nil {
            throw ValidationError("the token must be exactly 16 printable ASCII characters (no spaces)")
        }
    }

    func run() async throws {
        let token = newToken.flatMap(MonitorToken.init) ?? MonitorToken.random()
        _ = try await MonitorCall.run(connection) {
            try await $0.perform(.addAdmin(name: admin, token: token), action: "add admin \(admin)")
        }
        Console.out(newToken == nil ? "added admin \(admin) with token \(token.text)" : "added admin \(admin)")
    }
}

/// `pop3ctl tokens del ADMIN`.
struct TokensDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "del", abstract: "Delete an admin.", aliases: ["delete"])

    @Argument(help: "The admin name.") var admin: String
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        guard TextField.name.accepts(admin) else {
            throw ValidationError("the admin name must be \(TextField.name.rule)")
        }
    }

    func run() async throws {
        _ = try await MonitorCall.run(connection) {
            try await $0.perform(.deleteAdmin(name: admin), action: "delete admin \(admin)")
        }
        Console.out("deleted admin \(admin)")
    }
}

/// `pop3ctl tokens list`.
struct TokensListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List admins.")

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let admins = try await MonitorCall.run(connection) { try await $0.allAdmins() }
        Console.out(
            output.json ? ListViews.accountsJSON(admins).rendered() : ListViews.accounts(admins, nameHeader: "ADMIN"))
    }
}
