import MonitorProtocol
import Testing

@testable import Client

/// A server stand-in: answers from in-memory lists through the real encoder and decoder.
final class FakeMonitor: MonitorExchanging {
    var users: [AccountEntry]
    var existing: Set<String> = []
    private(set) var sent: [MonitorOperation] = []

    init(users: [AccountEntry]) {
        self.users = users
    }

    func send(_ operation: MonitorOperation) async throws -> MonitorResponse {
        sent.append(operation)
        let request = MonitorRequest(
            version: .v2, requestID: UInt32(sent.count), token: MonitorToken("123456789abcdef1")!, operation: operation)
        var decoder = MonitorRequestDecoder()
        decoder.feed(try request.encoded())
        guard case .frame(let frame) = decoder.next() else { throw ClientError.badResponse("no frame") }
        let response: MonitorResponse
        switch try frame.operation() {
        case .listUsers(let cursor):
            response = .success(.users(ListPage.page(of: users, after: cursor, key: \.name)), to: frame)
        case .addUser(let name, _) where existing.contains(name):
            response = .failure(MonitorFailure(.alreadyExists, "user \(name) exists"), to: frame)
        case .addUser(let name, _):
            existing.insert(name)
            response = .success(.done, to: frame)
        default:
            response = .failure(MonitorFailure(.badMethod, "not in the fake"), to: frame)
        }
        return try MonitorResponse.decode(bytes: response.encoded(), for: request)
    }
}

@Suite struct PagingTests {
    @Test func allUsersFollowsEveryPage() async throws {
        let users = (0..<2_345).map { AccountEntry(name: "user\($0)", createdAt: Int64($0)) }
        let fake = FakeMonitor(users: users.shuffled())
        let listed = try await fake.allUsers()
        #expect(listed.count == 2_345)
        #expect(Set(listed.map(\.name)).count == 2_345)
        #expect(fake.sent.count == 3)
    }

    @Test func refusalCarriesStatusAndServerMessage() async throws {
        let fake = FakeMonitor(users: [])
        fake.existing = ["bob"]
        await #expect(throws: RequestRefused.self) {
            try await fake.perform(.addUser(name: "bob", password: "pw"), action: "add user bob")
        }
        do {
            _ = try await fake.perform(.addUser(name: "bob", password: "pw"), action: "add user bob")
        } catch let refused as RequestRefused {
            #expect(refused.status == .alreadyExists)
            #expect(refused.line.contains("(server says: user bob exists)"))
        }
        #expect(try await fake.perform(.addUser(name: "new", password: "pw"), action: "add") == .done)
    }
}
