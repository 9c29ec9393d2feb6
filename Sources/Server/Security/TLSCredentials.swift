public import NIOSSL
import Synchronization

/// The server's certificate and key, loaded from PEM files. `reload()` (on SIGHUP) swaps in a new context for
/// new connections; connections already in TLS keep the context they started with.
public final class TLSCredentials: Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let current: Mutex<NIOSSLContext>

    public init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.current = Mutex(try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath))
    }

    /// The context new handshakes use.
    public var context: NIOSSLContext { current.withLock { $0 } }

    /// Re-reads both files; on error the old context stays in use.
    public func reload() throws {
        let context = try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath)
        current.withLock { $0 = context }
    }

    private static func makeContext(certificatePath: String, keyPath: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath).map { NIOSSLCertificateSource.certificate($0) }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        return try NIOSSLContext(configuration: configuration)
    }
}
