public import ArgumentParser

/// pop3ctl's root command. With a subcommand it speaks monitor protocol v2; without one, `LegacyCommand`
/// (the default subcommand) takes the seed client's flags and speaks v1. The root itself has no arguments, so
/// a subcommand name is never taken for a TOKEN.
public struct Pop3ctlCommand: AsyncParsableCommand {
    public static let version = "pop3ctl 1.0.0"

    public static let configuration = CommandConfiguration(
        commandName: "pop3ctl",
        abstract: "Monitor and administer a running pop3d through its monitor port.",
        usage: """
            pop3ctl [-c] [-C] [-b] [-u user:pass] [-d user] [-U admin:token] [-D admin] [-m path] [-v] [-h] \
            TOKEN [HOST] [PORT]
            pop3ctl <subcommand> [--host HOST] [--port PORT] [--token TOKEN] [--json] ...
            """,
        discussion: """
            Seed flags (monitor protocol version 1; each flag given is sent as its own request, in the order \
            -C -c -b -m -U -D -u -d; each GET prints one number per line):
              -C                 connections since the first start
              -c                 connections open now
              -b                 bytes sent to POP3 clients, all time
              -m PATH            set the maildir
              -U ADMIN:TOKEN     add a monitor admin (token: 16 printable ASCII characters)
              -D ADMIN           delete a monitor admin
              -u USER:PASS       add a POP3 user
              -d USER            delete a POP3 user
              -v                 print pop3ctl's version and exit
            TOKEN may be left out when --token or $POP3CTL_TOKEN gives it; with --token the positionals are \
            HOST [PORT]. HOST defaults to 127.0.0.1 and PORT to 1081. -C, -c and -b answer for the pop3d at HOST \
            alone, also when several nodes share one PostgreSQL database: pop3ctl stats --cluster sums them.

            Subcommands speak monitor protocol version 2 (64-bit values, history, lists) and take --host, --port, \
            --token (default $POP3CTL_TOKEN) and --timeout; those whose output is data take --json. stats and \
            history show the node asked; --cluster combines every node on its database.

            Exit status: 0 done; 1 the server refused a request; 2 the server could not be reached or answered \
            nonsense; 64 bad command line.
            """,
        version: version,
        subcommands: [
            LegacyCommand.self, StatsCommand.self, HistoryCommand.self, UsersCommand.self, TokensCommand.self,
            SessionsCommand.self, PingCommand.self, BackupCommand.self, ReportCommand.self,
        ],
        defaultSubcommand: LegacyCommand.self
    )

    public init() {}
}

extension Pop3ctlCommand {
    /// The entry point for the pop3ctl executable: parses the process's arguments and runs the command.
    public static func runFromCommandLine() async {
        await main()
    }
}
