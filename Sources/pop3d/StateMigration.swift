import Foundation
import Logging
import PostgresStorage
import Storage

/// Copies a SQLite database's state into PostgreSQL (`pop3d migrate`): checks the source (present, not served,
/// no unfinished deletions), opens the target (creating pop3d's schema when it has none), then copies every table
/// of `StateTable` in one transaction, in batches, and compares the counts before committing.
struct StateMigration {
    let sourcePath: String
    let target: PostgresLocation
    let options: PostgresStorage.Options
    let replaceTarget: Bool
    let logger: Logger

    /// What a copy did.
    struct Outcome {
        let counts: MigrationCounts
        /// From the transaction's start to its commit.
        let duration: Duration
        let node: String
    }

    func run() async throws -> Outcome {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: sourcePath, isDirectory: &isFolder), !isFolder.boolValue else {
            throw MigrationFailure.missingSource(path: sourcePath)
        }
        let lock = try SourceDatabaseLock(databasePath: sourcePath)
        defer { withExtendedLifetime(lock) {} }
        let reader = try await SQLiteStateReader.open(path: sourcePath)
        do {
            let outcome = try await copy(from: reader)
            await reader.close()
            return outcome
        } catch {
            await reader.close()
            throw error
        }
    }

    private func copy(from reader: SQLiteStateReader) async throws -> Outcome {
        let journal = try await reader.journalStates()
        let pending = journal[.pending, default: 0]
        let committing = journal[.committing, default: 0]
        guard pending == 0, committing == 0 else {
            throw MigrationFailure.unfinishedDeletions(path: sourcePath, pending: pending, committing: committing)
        }
        var source: [StateTable: Int] = [:]
        for table in StateTable.allCases { source[table] = try await reader.count(table) }

        let storage = try await PostgresStorage.open(target, options: options, firstRun: .none, logger: logger)
        let clock = ContinuousClock()
        let started = clock.now
        let copied: [StateTable: Int]
        do {
            copied = try await storage.importState(logger: logger) { importer in
                let found = try await importer.counts()
                if found.values.contains(where: { $0 > 0 }) {
                    guard replaceTarget else { throw MigrationFailure.targetNotEmpty(found) }
                    try await importer.emptyTables()
                }
                for table in StateTable.allCases {
                    try await reader.forEachBatch(of: table) { batch in try await importer.insert(batch) }
                }
                let copied = try await importer.counts()
                let counts = MigrationCounts(source: source, target: copied)
                guard counts.match else { throw MigrationFailure.countsDiffer(counts) }
                return copied
            }
        } catch {
            await storage.shutdown()
            throw error
        }
        let duration = clock.now - started
        await storage.shutdown()
        return Outcome(counts: MigrationCounts(source: source, target: copied), duration: duration, node: storage.node)
    }
}
