import ArgumentParser
import MonitorProtocol

/// Runs a subcommand's work over one v2 connection and turns failures into messages and exit codes:
/// 1 when the server refused a request, 2 when it could not be reached or answered nonsense.
enum MonitorCall {
    static func run<Result: Sendable>(
        _ options: ConnectionOptions, _ body: (MonitorConnection) async throws -> Result
    ) async throws -> Result {
        let token = try options.resolvedToken()
        do {
            return try await MonitorConnection.with(options.endpoint, version: .v2, token: token, body)
        } catch let refused as RequestRefused {
            Console.error(refused.line)
            throw ExitCode(1)
        } catch let error as ClientError {
            Console.error("pop3ctl: \(error)")
            throw ExitCode(2)
        }
    }
}

extension MonitorExchanging {
    /// Sends one operation; a refusal throws `RequestRefused` naming `action`, with `hint`, or `unknownHint` when the
    /// server does not know the operation (bad method).
    func perform(
        _ operation: MonitorOperation, action: String, hint: String? = nil, unknownHint: String? = nil
    ) async throws -> MonitorReply {
        let response = try await send(operation)
        guard response.status == .ok else {
            var message = ""
            if case .failure(let text) = response.body { message = text }
            if response.version == .v1 && response.status == .badVersion {
                message = "the server only speaks monitor protocol version 1; the seed flags (-c, -C, ...) still work"
            }
            let shown = response.status == .badMethod ? unknownHint ?? hint : hint
            throw RequestRefused(action: action, status: response.status, message: message, hint: shown)
        }
        return response.body
    }

    /// Every user, following the pages.
    func allUsers() async throws -> [AccountEntry] {
        try await allPages(action: "list users") { cursor in
            .listUsers(after: cursor)
        } entries: { reply in
            guard case .users(let page) = reply else { return nil }
            return page
        } key: {
            $0.name
        }
    }

    /// Every admin, following the pages.
    func allAdmins() async throws -> [AccountEntry] {
        try await allPages(action: "list admins") { cursor in
            .listAdmins(after: cursor)
        } entries: { reply in
            guard case .admins(let page) = reply else { return nil }
            return page
        } key: {
            $0.name
        }
    }

    /// Every live session, following the pages.
    func allSessions() async throws -> [SessionEntry] {
        try await allPages(action: "list sessions") { cursor in
            .listSessions(after: cursor)
        } entries: { reply in
            guard case .sessions(let page) = reply else { return nil }
            return page
        } key: {
            $0.id
        }
    }

    func allPages<Entry>(
        action: String, request: (String) -> MonitorOperation, entries: (MonitorReply) -> ListPage<Entry>?,
        key: (Entry) -> String
    ) async throws -> [Entry] {
        var all: [Entry] = []
        var cursor = ""
        while true {
            guard let page = entries(try await perform(request(cursor), action: action)) else {
                throw ClientError.badResponse("\(action): the answer is not a list")
            }
            all += page.entries
            guard page.more, let last = page.entries.last, key(last) != cursor else { return all }
            cursor = key(last)
        }
    }
}
