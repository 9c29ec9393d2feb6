import Foundation
import Storage

/// Where a PostgreSQL database is: `postgresql://USER@HOST:PORT/DATABASE` (also `postgres://`), with libpq's
/// `sslmode` (disable, prefer, require, verify-full) and `host` (a socket folder) as query parameters. A password
/// in the URL is refused: a command line is visible to every local user (`ps`), so the password comes from a file
/// or `PGPASSWORD`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// TLS to the database server, as libpq's `sslmode` names it.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Never TLS.
        case disable
        /// TLS when the server offers it, without checking its certificate (libpq's default).
        case prefer
        /// TLS or no connection, without checking the certificate.
        case require
        /// TLS or no connection, and the certificate must be valid for the host name (`sslrootcert` names a CA
        /// file; otherwise the system's).
        case verifyFull = "verify-full"
    }

    public var user: String
    /// A host name or address, or a folder holding the server's Unix socket.
    public var host: String
    public var port: Int
    public var database: String
    public var tls: TLSMode
    /// A CA certificate file (PEM) for `verify-full`.
    public var rootCertificate: String?

    /// True for text that names a PostgreSQL database rather than a SQLite file.
    public static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    public init(url text: String) throws {
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw StorageError.invalidValue("not a postgresql:// URL: \(text)")
        }
        guard components.password == nil else {
            throw StorageError.invalidValue(
                "the database URL carries a password, which every local user could read from the command line: "
                    + "remove it and use --database-password-file or PGPASSWORD")
        }
        let query = Dictionary(
            (components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        for name in query.keys where !["sslmode", "host", "sslrootcert"].contains(name) {
            throw StorageError.invalidValue(
                "unknown database URL parameter \(name) (known: sslmode, host, sslrootcert)")
        }
        guard let user = components.user, !user.isEmpty else {
            throw StorageError.invalidValue("the database URL names no user: postgresql://USER@HOST:PORT/DATABASE")
        }
        var host = query["host"] ?? components.host ?? ""
        // URLComponents keeps an IPv6 address's brackets, which are the URL's syntax, not part of the address.
        if query["host"] == nil, host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else {
            throw StorageError.invalidValue("the database URL names no host: postgresql://USER@HOST:PORT/DATABASE")
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else {
            throw StorageError.invalidValue("the database port must be 1...65535")
        }
        var path = components.path
        if path.hasPrefix("/") { path.removeFirst() }
        guard !path.contains("/") else { throw StorageError.invalidValue("the database name may not contain '/'") }
        let mode = query["sslmode"] ?? TLSMode.prefer.rawValue
        guard let tls = TLSMode(rawValue: mode) else {
            throw StorageError.invalidValue(
                "unknown sslmode \(mode) (known: \(TLSMode.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.user = user
        self.host = host
        self.port = port
        self.database = path.isEmpty ? user : path
        self.tls = tls
        self.rootCertificate = query["sslrootcert"]
    }

    /// True when `host` is a socket folder.
    public var isSocket: Bool { host.hasPrefix("/") }

    /// The server as errors and logs name it: host and port (or the socket folder) and the database.
    public var server: String {
        isSocket ? "\(host) (socket), database \(database)" : "\(host):\(port), database \(database)"
    }

    /// The URL without secrets, as logs show it.
    public var description: String {
        let address = isSocket ? "localhost" : (host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)")
        var text = "postgresql://\(user)@\(address)/\(database)"
        var parameters: [String] = []
        if isSocket { parameters.append("host=\(host)") }
        if tls != .prefer { parameters.append("sslmode=\(tls.rawValue)") }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }
}
