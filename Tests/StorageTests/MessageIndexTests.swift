import Foundation
import Testing

@testable import Storage

@Suite("Message index")
struct MessageIndexTests {
    @Test(arguments: BackendKind.available)
    func rowsAreUpsertedRemovedAndSurviveReopen(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let first = try await database.open()
            let index = first.stores.messageIndex
            try await index.updateIndex(
                user: "bob",
                upsert: [
                    IndexedMessage(baseName: "m1", fileSize: 10, modificationTime: 5, wireSize: 12),
                    IndexedMessage(baseName: "m2,S=7", fileSize: 7, modificationTime: 1 << 60, wireSize: 9),
                    IndexedMessage(baseName: "m3", fileSize: 3, modificationTime: -1, wireSize: 4),
                ],
                remove: [])
            try await index.updateIndex(
                user: "carol", upsert: [IndexedMessage(baseName: "m1", fileSize: 1, modificationTime: 1, wireSize: 1)],
                remove: [])
            // One call both replaces a row and removes another.
            try await index.updateIndex(
                user: "bob", upsert: [IndexedMessage(baseName: "m1", fileSize: 11, modificationTime: 6, wireSize: 13)],
                remove: ["m3", "never-indexed"])
            try await index.updateIndex(user: "bob", upsert: [], remove: [])
            await database.close(first)

            let storage = try await database.open()
            let rows = try await storage.stores.messageIndex.indexedMessages(user: "bob").sorted {
                $0.baseName < $1.baseName
            }
            #expect(
                rows == [
                    IndexedMessage(baseName: "m1", fileSize: 11, modificationTime: 6, wireSize: 13),
                    IndexedMessage(baseName: "m2,S=7", fileSize: 7, modificationTime: 1 << 60, wireSize: 9),
                ])
            try await storage.stores.messageIndex.updateIndex(user: "bob", upsert: [], remove: ["m1", "m2,S=7"])
            #expect(try await storage.stores.messageIndex.indexedMessages(user: "bob").isEmpty)
            #expect(
                try await storage.stores.messageIndex.indexedMessages(user: "carol")
                    == [IndexedMessage(baseName: "m1", fileSize: 1, modificationTime: 1, wireSize: 1)])
        }
    }

    /// A batch that names a base name twice keeps the last row, on every backend.
    @Test(arguments: BackendKind.available)
    func theLastRowOfABaseNameInOneBatchWins(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let index = try await database.open().stores.messageIndex
            try await index.updateIndex(
                user: "bob",
                upsert: [
                    IndexedMessage(baseName: "m1", fileSize: 1, modificationTime: 1, wireSize: 1),
                    IndexedMessage(baseName: "m2", fileSize: 5, modificationTime: 5, wireSize: 5),
                    IndexedMessage(baseName: "m1", fileSize: 2, modificationTime: 2, wireSize: 2),
                ],
                remove: [])
            #expect(
                try await index.indexedMessages(user: "bob").sorted { $0.baseName < $1.baseName } == [
                    IndexedMessage(baseName: "m1", fileSize: 2, modificationTime: 2, wireSize: 2),
                    IndexedMessage(baseName: "m2", fileSize: 5, modificationTime: 5, wireSize: 5),
                ])
        }
    }

    /// A large maildrop's index is written by one scan and read by every later login, in one call each.
    @Test(arguments: BackendKind.available)
    func fiftyThousandRowsRoundTrip(kind: BackendKind) async throws {
        try await TestStorage.with(kind) { database in
            let index = try await database.open().stores.messageIndex
            let messages = (0..<50_000).map { (number: Int) -> IndexedMessage in
                let size = Int64(1_000 + number)
                return IndexedMessage(
                    baseName: "1700000000.M\(number)P42.host,S=\(size)", fileSize: size,
                    modificationTime: 1_700_000_000_000_000_000 + Int64(number), wireSize: size + Int64(number % 40))
            }
            let clock = ContinuousClock()
            let written = try await clock.measure {
                try await index.updateIndex(user: "big", upsert: messages, remove: [])
            }
            var read: [IndexedMessage] = []
            let readTime = try await clock.measure { read = try await index.indexedMessages(user: "big") }
            #expect(read.count == 50_000)
            #expect(Set(read.map(\.baseName)).count == 50_000)
            #expect(read.sorted { $0.fileSize < $1.fileSize } == messages)
            print("\(kind): 50,000 index rows written in \(written), read in \(readTime)")

            // The next scan: a thousand files renamed (gone under their old base names) and a thousand re-measured.
            let renamed = messages[0..<1_000].map { message in
                var renamed = message
                renamed.baseName += "-moved"
                return renamed
            }
            let remeasured = messages[1_000..<2_000].map { message in
                var changed = message
                changed.wireSize += 1
                return changed
            }
            try await index.updateIndex(
                user: "big", upsert: renamed + remeasured, remove: messages[0..<1_000].map(\.baseName))
            let after = try await index.indexedMessages(user: "big").sorted { $0.fileSize < $1.fileSize }
            #expect(after.count == 50_000)
            let expected: [IndexedMessage] = renamed + remeasured + Array(messages[2_000...])
            #expect(after == expected)
        }
    }
}
