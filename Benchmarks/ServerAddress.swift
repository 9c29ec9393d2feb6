/// Where the server under test listens.
struct ServerAddress: Sendable {
    let host: String
    let port: Int
}
