import Foundation
import Logging
import MonitorProtocol
import Storage

@testable import Server

/// A ServerContext over a real SQLite database in a fresh folder, and helpers to build and answer frames.
final class MonitorTestServer {
    static let adminToken = SeedDefaults.adminToken
    let folder: URL
    let storage: SQLiteStorage
    let server: ServerContext
    let processor: MonitorRequestProcessor

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("monitor-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        storage = try SQLiteStorage(path: folder.appendingPathComponent("db.sqlite").path, passwordCost: 10)
        var configuration = ServerConfiguration()
        configuration.passwordCost = 10
        server = ServerContext(
            configuration: configuration, stores: storage.stores, maildir: folder.appendingPathComponent("mail").path,
            metrics: ServerMetrics(), logger: Logger(label: "monitor-test"))
        processor = MonitorRequestProcessor(server: server)
    }

    deinit {
        storage.close()
        try? FileManager.default.removeItem(at: folder)
    }

    /// Encodes `operation` as a client would, frames it as the server does, and answers it.
    func answer(
        _ operation: MonitorOperation, version: MonitorVersion = .v2, token: String = adminToken, requestID: UInt32 = 7
    ) throws -> MonitorOutcome {
        let request = MonitorRequest(
            version: version, requestID: requestID, token: try Self.token(token), operation: operation)
        return try answer(bytes: try request.encoded())
    }

    /// Frames raw request bytes (which must hold exactly one frame) and answers the frame.
    func answer(bytes: [UInt8]) throws -> MonitorOutcome {
        var decoder = MonitorRequestDecoder()
        decoder.feed(bytes)
        guard case .frame(let frame) = decoder.next() else { throw TestFailure("not one whole frame") }
        return processor.answer(frame)
    }

    static func token(_ text: String) throws -> MonitorToken {
        guard let token = MonitorToken(text) else { throw TestFailure("bad test token \(text)") }
        return token
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
