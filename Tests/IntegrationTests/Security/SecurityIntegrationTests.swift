import Testing

/// The security features against the real pop3d binary. One serialized parent suite: several tests measure
/// delays or load the CPU with password hashing, and must not disturb each other's timings.
@Suite("Security", .serialized)
struct SecurityIntegrationTests {}
