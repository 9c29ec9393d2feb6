/// Why the bytes at the start of a connection are not an acceptable PROXY protocol header.
public enum ProxyHeaderError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes start with neither version's signature: the peer does not speak the protocol at all.
    case noSignature
    /// A version 1 line without its CRLF within 107 octets.
    case lineTooLong
    /// A version 1 line that breaks the grammar (the reason names the part).
    case malformedLine(String)
    /// Version 2's version nibble is not 2, or its command is neither LOCAL nor PROXY.
    case unsupportedVersionOrCommand(UInt8)
    /// Version 2's address family or transport is not one this server accepts (UDP, unknown values).
    case unsupportedFamily(UInt8)
    /// Version 2's length is beyond what this server reads.
    case tooLong(Int)
    /// Version 2's length is shorter than its address family's addresses.
    case addressesTruncated(family: UInt8, length: Int)

    public var description: String {
        switch self {
        case .noSignature: "no PROXY protocol signature"
        case .lineTooLong: "PROXY v1 line without CRLF within 107 octets"
        case .malformedLine(let reason): "malformed PROXY v1 line: \(reason)"
        case .unsupportedVersionOrCommand(let byte): "unsupported PROXY v2 version or command 0x\(hex(byte))"
        case .unsupportedFamily(let byte): "unsupported PROXY v2 family or transport 0x\(hex(byte))"
        case .tooLong(let length): "PROXY v2 header of \(length) octets is too long"
        case .addressesTruncated(let family, let length):
            "PROXY v2 family 0x\(hex(family)) needs more than \(length) octets of addresses"
        }
    }

    private func hex(_ byte: UInt8) -> String {
        let digits = String(byte, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }
}
