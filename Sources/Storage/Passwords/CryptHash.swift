import CCrypt

/// A crypt(3) hash imported from a Dovecot passwd-file, stored as Dovecot writes it: `{SHA512-CRYPT}$6$…`.
/// Verified through libcrypt's `crypt_r`; never created by pop3d (new hashes are scrypt).
public struct CryptHash: Sendable, Equatable {
    public let scheme: CryptScheme
    /// The crypt string itself, without the `{SCHEME}` prefix.
    public let hash: String

    /// A hash of `scheme`, or nil when `hash` is not a well-formed one.
    public init?(scheme: CryptScheme, hash: String) {
        guard scheme.accepts(hash[...]) else { return nil }
        self.scheme = scheme
        self.hash = hash
    }

    /// Reads the users table's form `{SCHEME}hash`; nil for anything else (an scrypt PHC string, say).
    public init?(stored: String) {
        guard stored.hasPrefix("{"), let close = stored.firstIndex(of: "}"),
            let scheme = CryptScheme(dovecotName: stored[stored.index(after: stored.startIndex)..<close])
        else { return nil }
        self.init(scheme: scheme, hash: String(stored[stored.index(after: close)...]))
    }

    /// The form the users table stores.
    public var stored: String { "{\(scheme.rawValue)}\(hash)" }

    /// Hashes `password` with the salt and parameters of this hash and compares in constant time.
    public func verify(_ password: String) -> Bool {
        verify(Array(password.utf8))
    }

    /// `verify` for the password's octets (Dovecot hashed whatever octets its clients sent, Latin-1 included).
    public func verify(_ password: [UInt8]) -> Bool {
        // A NUL would cut the password short in C: such a password cannot be the one that was hashed.
        guard !password.contains(0) else { return false }
        // struct crypt_data is 32 KiB: too big for a thread's stack, and crypt_r wants it zeroed.
        let data = UnsafeMutableRawPointer.allocate(
            byteCount: MemoryLayout<crypt_data>.size, alignment: MemoryLayout<crypt_data>.alignment)
        data.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
        defer {
            // The buffer held the password and intermediate state: clear it before giving it back.
            data.initializeMemory(as: UInt8.self, repeating: 0, count: MemoryLayout<crypt_data>.size)
            data.deallocate()
        }
        let terminated = password.map { CChar(bitPattern: $0) } + [0]
        let result = terminated.withUnsafeBufferPointer { phrase in
            crypt_r(phrase.baseAddress, hash, data.assumingMemoryBound(to: crypt_data.self))
        }
        // On failure libcrypt returns NULL or a "*0"/"*1" token, which never equals a well-formed hash.
        guard let result else { return false }
        return ConstantTime.equal(Array(String(cString: result).utf8), Array(hash.utf8))
    }
}
