import NIOCore

/// Reads the PROXY protocol header (HAProxy's spec, versions 1 and 2) at the start of a connection's bytes. No I/O:
/// the caller hands in what arrived so far and is told to wait for more, where the header ends, or why it is not
/// one. Never reads past its bounds, whatever the bytes.
public enum ProxyHeaderParser {
    /// The parse of the bytes so far.
    public enum Outcome: Equatable, Sendable {
        /// Every byte so far may begin a header: wait for more.
        case incomplete
        /// A whole header of `length` octets; the bytes after it belong to the protocol behind it.
        case header(ProxyHeader, length: Int)
    }

    /// The spec's bound on a v1 line, CRLF included.
    public static let maximumV1Length = 107
    /// The most address and TLV octets a v2 header may carry here. IP addresses take 36 at most; HAProxy's TLVs (an
    /// SNI, a unique id, TLS details) stay far below this, and a balancer sending more is misconfigured.
    public static let maximumV2Payload = 2_048
    /// The longest header this parser accepts, so the most a caller needs to keep.
    public static let maximumLength = v2HeaderLength + maximumV2Payload

    static let v1Signature = Array("PROXY ".utf8)
    static let v2Signature: [UInt8] = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A]
    private static let v2HeaderLength = 16
    private static let carriageReturn = UInt8(ascii: "\r")
    private static let lineFeed = UInt8(ascii: "\n")

    /// Parses the header at the start of `input`, which may hold more bytes than the header.
    public static func parse(_ input: some Collection<UInt8>) throws(ProxyHeaderError) -> Outcome {
        let bytes = Array(input.prefix(maximumLength))
        // An empty input fits both signatures; version 2's waits for its 16 fixed octets.
        if startsLike(v2Signature, bytes) { return try parseVersion2(bytes) }
        if startsLike(v1Signature, bytes) { return try parseVersion1(bytes) }
        throw .noSignature
    }

    /// Whether `bytes` and `signature` agree as far as both go.
    private static func startsLike(_ signature: [UInt8], _ bytes: [UInt8]) -> Bool {
        bytes.prefix(signature.count).elementsEqual(signature.prefix(bytes.count))
    }

    // MARK: Version 1: "PROXY TCP4 192.0.2.1 198.51.100.2 56324 110\r\n"

    private static func parseVersion1(_ bytes: [UInt8]) throws(ProxyHeaderError) -> Outcome {
        let window = bytes.prefix(maximumV1Length)
        guard let lineFeedIndex = window.firstIndex(of: lineFeed) else {
            if bytes.count >= maximumV1Length { throw .lineTooLong }
            return .incomplete
        }
        // The signature holds no line feed, so the line ends after it.
        guard bytes[lineFeedIndex - 1] == carriageReturn else { throw .malformedLine("no CR before the LF") }
        let line = bytes[v1Signature.count..<(lineFeedIndex - 1)]
        let fields = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        let length = lineFeedIndex + 1
        switch String(decoding: fields[0], as: UTF8.self) {
        case "UNKNOWN":
            // The spec lets the rest of an UNKNOWN line be anything: it is ignored.
            return .header(ProxyHeader(version: 1, client: nil), length: length)
        case "TCP4": return .header(try tcpLine(fields, isIPv6: false), length: length)
        case "TCP6": return .header(try tcpLine(fields, isIPv6: true), length: length)
        default: throw .malformedLine("unknown protocol")
        }
    }

    private static func tcpLine(_ fields: [ArraySlice<UInt8>], isIPv6: Bool) throws(ProxyHeaderError) -> ProxyHeader {
        guard fields.count == 5 else { throw .malformedLine("expected two addresses and two ports") }
        let source = try textAddress(fields[1], isIPv6: isIPv6)
        let destination = try textAddress(fields[2], isIPv6: isIPv6)
        let sourcePort = try port(fields[3])
        let destinationPort = try port(fields[4])
        return ProxyHeader(
            version: 1,
            client: ProxiedConnection(
                source: source, sourcePort: sourcePort, destination: destination, destinationPort: destinationPort))
    }

    private static func textAddress(_ field: ArraySlice<UInt8>, isIPv6: Bool) throws(ProxyHeaderError) -> String {
        // Checked before the C parser sees it, which would stop at a NUL and accept what comes before.
        guard field.allSatisfy(isAddressCharacter) else { throw .malformedLine("bad address") }
        let text = String(decoding: field, as: UTF8.self)
        let parsed: SocketAddress
        do {
            parsed = try SocketAddress(ipAddress: text, port: 0)
        } catch {
            throw .malformedLine("bad address")
        }
        switch (parsed, isIPv6) {
        case (.v4, false), (.v6, true): break
        default: throw .malformedLine("address of the wrong family")
        }
        guard let normalized = parsed.ipAddress else { throw .malformedLine("bad address") }
        return normalized
    }

    /// Hex digits, dots and colons: everything an IPv4 or IPv6 address is written with.
    private static func isAddressCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"), UInt8(ascii: "."), UInt8(ascii: ":"):
            true
        default: false
        }
    }

    /// 1 to 5 decimal digits, 0...65535.
    private static func port(_ field: ArraySlice<UInt8>) throws(ProxyHeaderError) -> Int {
        guard (1...5).contains(field.count) else { throw .malformedLine("bad port") }
        var value = 0
        for byte in field {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { throw .malformedLine("bad port") }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        guard value <= 65_535 else { throw .malformedLine("bad port") }
        return value
    }

    // MARK: Version 2: signature, version and command, family and transport, length, addresses, TLVs

    private static func parseVersion2(_ bytes: [UInt8]) throws(ProxyHeaderError) -> Outcome {
        guard bytes.count >= v2HeaderLength else { return .incomplete }
        let versionAndCommand = bytes[12]
        let command = versionAndCommand & 0x0F
        guard versionAndCommand >> 4 == 2, command <= 1 else { throw .unsupportedVersionOrCommand(versionAndCommand) }
        let family = bytes[13]
        let payload = Int(bytes[14]) << 8 | Int(bytes[15])
        guard payload <= maximumV2Payload else { throw .tooLong(v2HeaderLength + payload) }
        let length = v2HeaderLength + payload
        guard bytes.count >= length else { return .incomplete }
        // LOCAL: the balancer's own connection (a health check); the spec says to ignore the family and addresses.
        guard command == 1 else { return .header(ProxyHeader(version: 2, client: nil), length: length) }
        let addresses = bytes[v2HeaderLength..<length]
        switch family {
        case 0x00, 0x31:
            // UNSPEC, or a client on a UNIX socket: no IP address to use, so the socket's own stand.
            return .header(ProxyHeader(version: 2, client: nil), length: length)
        case 0x11:
            return .header(
                ProxyHeader(version: 2, client: try packed(addresses, size: 4, family: family)), length: length)
        case 0x21:
            return .header(
                ProxyHeader(version: 2, client: try packed(addresses, size: 16, family: family)), length: length)
        default:
            // UDP, UNIX datagrams and values the spec does not define.
            throw .unsupportedFamily(family)
        }
    }

    /// Source and destination addresses of `size` octets each, then the two ports; TLVs after them are skipped.
    private static func packed(
        _ addresses: ArraySlice<UInt8>, size: Int, family: UInt8
    ) throws(ProxyHeaderError) -> ProxiedConnection {
        guard addresses.count >= 2 * size + 4 else {
            throw .addressesTruncated(family: family, length: addresses.count)
        }
        let start = addresses.startIndex
        let ports = start + 2 * size
        return ProxiedConnection(
            source: text(addresses[start..<(start + size)]),
            sourcePort: Int(addresses[ports]) << 8 | Int(addresses[ports + 1]),
            destination: text(addresses[(start + size)..<ports]),
            destinationPort: Int(addresses[ports + 2]) << 8 | Int(addresses[ports + 3]))
    }

    /// 4 or 16 octets in network order as text; both sizes always make an address.
    private static func text(_ octets: ArraySlice<UInt8>) -> String {
        let address = try? SocketAddress(packedIPAddress: ByteBuffer(bytes: octets), port: 0)
        return address?.ipAddress ?? ""
    }
}
