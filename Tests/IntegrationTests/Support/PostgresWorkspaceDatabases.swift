import Foundation
import Synchronization

/// A workspace's databases on the PostgreSQL test server: the main one, created at its first use (many tests never
/// need one), and copies of it for second servers. All are dropped when the workspace goes, best effort: the drop
/// runs on after the test, and one left behind goes with the throwaway server.
final class PostgresWorkspaceDatabases: Sendable {
    let server: PostgresTestServer
    let main: String
    private let state = Mutex(State())

    private struct State {
        var creation: Task<Void, any Error>?
        var copies: [String] = []
    }

    init(server: PostgresTestServer) {
        self.server = server
        main = PostgresTestServer.newDatabaseName()
    }

    deinit {
        let (created, copies) = state.withLock { ($0.creation != nil, $0.copies) }
        let names = (created ? [main] : []) + copies
        guard !names.isEmpty else { return }
        let server = self.server
        Task.detached {
            for name in names { try? await server.dropDatabase(name) }
        }
    }

    /// Creates the main database once; later calls wait for that creation.
    func prepare() async throws {
        let creation = state.withLock { state in
            if let running = state.creation { return running }
            let server = self.server
            let name = main
            let task = Task { try await server.createDatabase(name) }
            state.creation = task
            return task
        }
        try await creation.value
    }

    /// A new database holding what the main one holds now; nothing may be connected to the main one meanwhile.
    func copy() async throws -> String {
        try await prepare()
        let name = PostgresTestServer.newDatabaseName()
        state.withLock { $0.copies.append(name) }
        try await server.createDatabase(name, template: main)
        return name
    }
}
