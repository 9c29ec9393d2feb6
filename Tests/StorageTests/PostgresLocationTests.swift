import Testing

@testable import PostgresStorage
@testable import Storage

/// `--database postgresql://…` as pop3d reads it; no server needed.
@Suite("PostgreSQL location")
struct PostgresLocationTests {
    @Test func everyPartIsRead() throws {
        let location = try PostgresLocation(url: "postgresql://alice@db.example:6543/mail?sslmode=require")
        #expect(location.user == "alice")
        #expect(location.host == "db.example")
        #expect(location.port == 6543)
        #expect(location.database == "mail")
        #expect(location.tls == .require)
        #expect(location.rootCertificate == nil)
        #expect(!location.isSocket)
        #expect(location.server == "db.example:6543, database mail")
        #expect(location.description == "postgresql://alice@db.example:6543/mail?sslmode=require")
    }

    @Test func portDatabaseAndTLSHaveLibpqsDefaults() throws {
        for text in ["postgres://alice@db.example", "postgres://alice@db.example/", "postgresql://alice@db.example"] {
            let location = try PostgresLocation(url: text)
            #expect(location.port == 5432, "\(text)")
            #expect(location.database == "alice", "\(text): the database is named after the user")
            #expect(location.tls == .prefer, "\(text)")
            #expect(location.description == "postgresql://alice@db.example:5432/alice", "\(text)")
        }
    }

    @Test func anIPv6AddressIsAHostWithoutBrackets() throws {
        let location = try PostgresLocation(url: "postgresql://alice@[::1]:5433/mail")
        #expect(location.host == "::1")
        #expect(location.port == 5433)
        #expect(location.description == "postgresql://alice@[::1]:5433/mail")
    }

    @Test(arguments: PostgresLocation.TLSMode.allCases)
    func everySSLModeIsKnown(mode: PostgresLocation.TLSMode) throws {
        let location = try PostgresLocation(url: "postgresql://alice@db.example/mail?sslmode=\(mode.rawValue)")
        #expect(location.tls == mode)
        #expect(try PostgresLocation(url: location.description) == location, "the description reads back")
    }

    @Test(arguments: ["allow", "verify-ca", "REQUIRE", ""])
    func otherSSLModesAreRefused(mode: String) {
        #expect(throws: StorageError.self) {
            try PostgresLocation(url: "postgresql://alice@db.example/mail?sslmode=\(mode)")
        }
    }

    @Test func aCertificateFileGoesWithVerifyFull() throws {
        let location = try PostgresLocation(
            url: "postgresql://alice@db.example/mail?sslmode=verify-full&sslrootcert=/etc/pop3d/ca.pem")
        #expect(location.tls == .verifyFull)
        #expect(location.rootCertificate == "/etc/pop3d/ca.pem")
    }

    @Test func hostNamesASocketFolder() throws {
        let location = try PostgresLocation(url: "postgresql://pop3d@localhost:5433/mail?host=/run/postgresql")
        #expect(location.isSocket)
        #expect(location.host == "/run/postgresql")
        #expect(location.port == 5433)
        #expect(location.server == "/run/postgresql (socket), database mail")
        #expect(location.description == "postgresql://pop3d@localhost/mail?host=/run/postgresql")
        // Without a host in the authority, as libpq allows.
        let bare = try PostgresLocation(url: "postgresql://pop3d@/mail?host=/run/postgresql")
        #expect(bare.isSocket && bare.host == "/run/postgresql" && bare.port == 5432 && bare.database == "mail")
    }

    @Test func aPasswordInTheURLIsRefusedWithoutRepeatingIt() {
        do {
            _ = try PostgresLocation(url: "postgresql://alice:S3cretWord@db.example/mail")
            Issue.record("a URL with a password must be refused")
        } catch {
            let message = "\(error)"
            #expect(message.contains("password"))
            #expect(message.contains("--database-password-file"))
            #expect(!message.contains("S3cretWord"), "the refusal must not print the password")
        }
        #expect(throws: StorageError.self) { try PostgresLocation(url: "postgresql://alice:@db.example/mail") }
    }

    @Test(arguments: ["application_name=pop3d", "password=x", "connect_timeout=5", "sslmode=disable&options=-c"])
    func unknownParametersAreRefused(query: String) {
        do {
            _ = try PostgresLocation(url: "postgresql://alice@db.example/mail?\(query)")
            Issue.record("\(query) must be refused")
        } catch {
            #expect("\(error)".contains("unknown database URL parameter"), "\(error)")
        }
    }

    @Test(arguments: [
        "postgresql://db.example/mail", "postgresql://@db.example/mail", "postgresql://alice@/mail",
        "postgresql://alice@db.example/mail/more", "postgresql://alice@db.example:70000/mail",
        "mysql://alice@db.example/mail", "/var/lib/pop3d/pop3d.sqlite", "sqlite:pop3d.sqlite", "",
    ])
    func incompleteOrOtherURLsAreRefused(text: String) {
        #expect(throws: StorageError.self) { try PostgresLocation(url: text) }
    }

    @Test func onlyPostgreSQLSchemesAreURLs() {
        #expect(PostgresLocation.isURL("postgresql://a@b/c"))
        #expect(PostgresLocation.isURL("postgres://a@b/c"))
        #expect(!PostgresLocation.isURL("sqlite:/var/lib/pop3d.sqlite"))
        #expect(!PostgresLocation.isURL("/var/lib/postgresql://x"))
    }
}
