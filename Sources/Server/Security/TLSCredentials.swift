public import NIOSSL
import Synchronization

/// The server's certificate and key, loaded from PEM files. `reload()` (on SIGHUP) swaps in a new context for
/// new connections; connections already in TLS keep the context they started with.
public final class TLSCredentials: CertificateExpiry, Sendable {
    public let certificatePath: String
    public let keyPath: String
    private let current: Mutex<NIOSSLContext>
    private let expiry = Atomic<Int64>(0)

    public init(certificatePath: String, keyPath: String) throws {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
        self.current = Mutex(try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath))
        expiry.store(try Self.notValidAfter(certificatePath), ordering: .relaxed)
    }

    /// The context new handshakes use.
    public var context: NIOSSLContext { current.withLock { $0 } }

    /// Re-reads both files; on error the old context stays in use.
    public func reload() throws {
        let context = try Self.makeContext(certificatePath: certificatePath, keyPath: keyPath)
        current.withLock { $0 = context }
        if let notAfter = try? Self.notValidAfter(certificatePath) { expiry.store(notAfter, ordering: .relaxed) }
    }

    /// Unix seconds of the served certificate's not-after time (the chain's first certificate).
    public var notValidAfter: Int64 { expiry.load(ordering: .relaxed) }

    private static func notValidAfter(_ path: String) throws -> Int64 {
        Int64(try NIOSSLCertificate.fromPEMFile(path).first?.notValidAfter ?? 0)
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
