// swift-tools-version:6.1
import PackageDescription

// Every file in Migrations/ is embedded into the binary, so an installed pop3d needs no data files.
// Add each new migration here; `MigrationTests` fails when a file on disk is not listed.
let migrationFiles = [
    "0001_initial.sql",
    "0002_history_retention.sql",
    "0003_app_passwords.sql",
    "0004_mailbox_policy.sql",
    "0007_scram_verifiers.sql",
]
// The PostgreSQL schema's migrations, in Migrations/postgresql/, embedded the same way (and listed in
// Migrations/postgresql/PostgresMigrations.swift).
let postgresMigrationFiles = [
    "0001_initial.sql",
    "0002_cluster_recovery.sql",
    "0003_app_passwords.sql",
    "0004_mailbox_policy.sql",
    "0007_scram_verifiers.sql",
]

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "pop3d",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pop3d", targets: ["pop3d"]),
        .executable(name: "pop3ctl", targets: ["pop3ctl"]),
        .library(name: "Storage", targets: ["Storage"]),
        .library(name: "POP3Core", targets: ["POP3Core"]),
        .library(name: "Maildir", targets: ["Maildir"]),
        .library(name: "Server", targets: ["Server"]),
        .library(name: "MonitorProtocol", targets: ["MonitorProtocol"]),
        .library(name: "Client", targets: ["Client"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        // OAUTHBEARER/XOAUTH2: JWT signatures (RS256, ES256, EdDSA) and JWKS parsing.
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),
        .systemLibrary(
            name: "CCrypt",
            providers: [.apt(["libcrypt-dev"])]
        ),
        .target(
            name: "Migrations",
            path: "Migrations",
            exclude: ["postgresql"],
            resources: migrationFiles.map { .embedInCode($0) },
            swiftSettings: strictSettings
        ),
        .target(
            name: "PostgresMigrations",
            path: "Migrations/postgresql",
            resources: postgresMigrationFiles.map { .embedInCode($0) },
            swiftSettings: strictSettings
        ),
        .target(
            name: "Storage",
            dependencies: [
                "CSQLite",
                "CCrypt",
                "Migrations",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                // NIOThreadPool: the database's writer and reader threads, and hashing threads.
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // The PostgreSQL backend: the same store protocols as Storage's SQLite stores, on postgres-nio's pool.
        .target(
            name: "PostgresStorage",
            dependencies: [
                "Storage",
                "Maildir",
                "PostgresMigrations",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "MonitorProtocol",
            swiftSettings: strictSettings
        ),
        // The POP3 protocol without I/O: commands, responses, the wire encoding and the session state machine.
        // It imports nothing but the standard library, so tests and the fuzzer drive it without sockets.
        .target(
            name: "POP3Core",
            swiftSettings: strictSettings
        ),
        // Maildrops on disk: the lock, the scan and its index, message files. No NIO.
        .target(
            name: "Maildir",
            dependencies: [
                "POP3Core",
                "Storage",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Server",
            dependencies: [
                "POP3Core",
                "Maildir",
                "Storage",
                "MonitorProtocol",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: strictSettings
        ),
        .target(
            name: "Client",
            dependencies: [
                "MonitorProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "pop3d",
            dependencies: [
                "Server",
                "Maildir",
                "Storage",
                "PostgresStorage",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "pop3bench",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks",
            swiftSettings: strictSettings
        ),
        .executableTarget(
            name: "pop3ctl",
            dependencies: ["Client"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "StorageTests",
            dependencies: [
                "Storage", "Migrations", "PostgresStorage", "PostgresMigrations",
                // The tests' own connections to the test server: create and drop each test's database, read rows.
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ServerTests",
            dependencies: [
                "Server", "Storage", "POP3Core", .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),
        // A naive model of the wire format that the encoder's and the maildir's tests both check against.
        .target(
            name: "WireTestSupport",
            dependencies: ["POP3Core"],
            path: "Tests/WireTestSupport",
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "POP3CoreTests",
            dependencies: ["POP3Core", "WireTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MaildirTests",
            dependencies: ["Maildir", "POP3Core", "Storage", "WireTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "MonitorProtocolTests",
            dependencies: ["MonitorProtocol"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "ClientTests",
            dependencies: ["Client", "MonitorProtocol"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "IntegrationTests",
            dependencies: ["Storage", "PostgresStorage", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strictSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
