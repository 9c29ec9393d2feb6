import Testing

@testable import Server

/// The PROXY protocol parser on its own: both versions, every kind of header HAProxy sends, and what must be refused.
@Suite struct ProxyHeaderParserTests {
    typealias Outcome = ProxyHeaderParser.Outcome

    static func parse(_ bytes: [UInt8]) -> Result<Outcome, ProxyHeaderError> {
        Result { () throws(ProxyHeaderError) in try ProxyHeaderParser.parse(bytes) }
    }

    static func parse(_ text: String) -> Result<Outcome, ProxyHeaderError> { parse(Array(text.utf8)) }

    static func proxied(
        _ version: Int, _ source: String, _ sourcePort: Int, _ destination: String, _ destinationPort: Int,
        length: Int
    ) -> Result<Outcome, ProxyHeaderError> {
        .success(
            .header(
                ProxyHeader(
                    version: version,
                    client: ProxiedConnection(
                        source: source, sourcePort: sourcePort, destination: destination,
                        destinationPort: destinationPort)),
                length: length))
    }

    /// A v2 header: signature, version 2 and `command`, `family`, the length, then `payload`.
    static func version2(command: UInt8 = 1, family: UInt8, payload: [UInt8], length: Int? = nil) -> [UInt8] {
        let count = length ?? payload.count
        return ProxyHeaderParser.v2Signature + [0x20 | command, family, UInt8(count >> 8), UInt8(count & 0xFF)]
            + payload
    }

    // MARK: Version 1

    @Test func readsVersion1TCP4() {
        let line = "PROXY TCP4 192.0.2.10 198.51.100.1 56324 110\r\n"
        #expect(Self.parse(line) == Self.proxied(1, "192.0.2.10", 56_324, "198.51.100.1", 110, length: line.utf8.count))
    }

    @Test func readsVersion1TCP6AndNormalizesTheAddresses() {
        let line = "PROXY TCP6 2001:DB8:0:0::1 2001:db8::ff 65535 995\r\n"
        #expect(
            Self.parse(line) == Self.proxied(1, "2001:db8::1", 65_535, "2001:db8::ff", 995, length: line.utf8.count))
    }

    @Test func readsVersion1Unknown() {
        let local = Outcome.header(ProxyHeader(version: 1, client: nil), length: 15)
        #expect(Self.parse("PROXY UNKNOWN\r\n") == .success(local))
        // The spec lets an UNKNOWN line carry anything up to its CRLF.
        let padded = "PROXY UNKNOWN ffff::1 ffff::2 1 2\r\n"
        #expect(
            Self.parse(padded)
                == .success(.header(ProxyHeader(version: 1, client: nil), length: padded.utf8.count)))
    }

    @Test func version1KeepsTheBytesAfterTheLineForTheProtocolBehind() {
        let line = "PROXY TCP4 192.0.2.10 198.51.100.1 1 2\r\n"
        let parsed = Self.parse(line + "USER alice\r\nPASS secret\r\n")
        #expect(parsed == Self.proxied(1, "192.0.2.10", 1, "198.51.100.1", 2, length: line.utf8.count))
    }

    @Test func version1WaitsForTheWholeLineWhateverTheSplit() {
        let line = Array("PROXY TCP4 192.0.2.10 198.51.100.1 56324 110\r\n".utf8)
        for cut in 0..<line.count {
            #expect(Self.parse(Array(line.prefix(cut))) == .success(.incomplete), "cut at \(cut)")
        }
        #expect(Self.parse(line) == Self.proxied(1, "192.0.2.10", 56_324, "198.51.100.1", 110, length: line.count))
    }

    @Test func version1RefusesALineWithoutCRLFWithin107Octets() {
        // The spec's longest line: UNKNOWN with two full IPv6 addresses and five-digit ports.
        let full = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
        let longest = "PROXY UNKNOWN \(full) \(full) 65535 65535\r\n"
        #expect(longest.utf8.count == 107)
        #expect(Self.parse(longest) == .success(.header(ProxyHeader(version: 1, client: nil), length: 107)))
        let tcp6 = "PROXY TCP6 \(full) \(full) 65535 65535\r\n"
        #expect(Self.parse(tcp6) == Self.proxied(1, full, 65_535, full, 65_535, length: tcp6.utf8.count))
        let endless = "PROXY UNKNOWN " + String(repeating: "x", count: 93)
        #expect(endless.utf8.count == 107)
        #expect(Self.parse(endless) == .failure(.lineTooLong))
        #expect(Self.parse(String(endless.dropLast())) == .success(.incomplete))
        #expect(Self.parse(endless + "\r\n") == .failure(.lineTooLong))
    }

    @Test func version1RefusesMalformedLines() {
        let malformed = [
            "PROXY TCP4 192.0.2.10 198.51.100.1 56324 110\n",  // no CR
            "PROXY TCP4 192.0.2.10 198.51.100.1 56324\r\n",  // a port missing
            "PROXY TCP4 192.0.2.10 198.51.100.1 56324 110 7\r\n",  // a field too many
            "PROXY TCP4  192.0.2.10 198.51.100.1 56324 110\r\n",  // two spaces
            "PROXY TCP4 192.0.2.10 198.51.100.1 56324 110 \r\n",  // a trailing space
            "PROXY TCP4 2001:db8::1 198.51.100.1 56324 110\r\n",  // IPv6 under TCP4
            "PROXY TCP6 192.0.2.10 2001:db8::1 56324 110\r\n",  // IPv4 under TCP6
            "PROXY TCP4 192.0.2 198.51.100.1 56324 110\r\n",
            "PROXY TCP4 192.0.2.256 198.51.100.1 56324 110\r\n",
            "PROXY TCP4 example.org 198.51.100.1 56324 110\r\n",
            "PROXY TCP4 192.0.2.10 198.51.100.1 65536 110\r\n",
            "PROXY TCP4 192.0.2.10 198.51.100.1 -1 110\r\n",
            "PROXY TCP4 192.0.2.10 198.51.100.1 123456 110\r\n",
            "PROXY TCP4 192.0.2.10 198.51.100.1  110\r\n",
            "PROXY UDP4 192.0.2.10 198.51.100.1 56324 110\r\n",
            "PROXY tcp4 192.0.2.10 198.51.100.1 56324 110\r\n",
            "PROXY \r\n",
            "PROXY UNKNOWNX\r\n",
        ]
        for line in malformed {
            guard case .failure(.malformedLine) = Self.parse(line) else {
                Issue.record("accepted or misjudged: \(line.debugDescription) -> \(Self.parse(line))")
                continue
            }
        }
        #expect(Self.parse(Array("PROXY TCP4 192.0.2.10 198.51.100.1 1 ".utf8) + [0xFF, 0x0D, 0x0A]).isMalformedLine)
        #expect(Self.parse(Array("PROXY TCP4 192.0.2.10\0 198.51.100.1 1 2\r\n".utf8)).isMalformedLine)
    }

    // MARK: Version 2

    @Test func readsVersion2ProxyOverIPv4() {
        let header = Self.version2(
            family: 0x11, payload: [192, 0, 2, 10, 198, 51, 100, 1, 0xDC, 0x04, 0x00, 0x6E])
        #expect(Self.parse(header) == Self.proxied(2, "192.0.2.10", 56_324, "198.51.100.1", 110, length: 28))
    }

    @Test func readsVersion2ProxyOverIPv6() {
        let source: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [1]
        let destination: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + Array(repeating: 0, count: 11) + [0xFF]
        let header = Self.version2(family: 0x21, payload: source + destination + [0xFF, 0xFF, 0x03, 0xE3])
        #expect(Self.parse(header) == Self.proxied(2, "2001:db8::1", 65_535, "2001:db8::ff", 995, length: 52))
    }

    @Test func version2SkipsTLVsAndKeepsTheBytesAfterTheHeader() {
        // PP2_TYPE_ALPN "pop3" and PP2_TYPE_AUTHORITY "mail.example.org", as HAProxy may add them.
        let tlvs: [UInt8] =
            [0x01, 0x00, 0x04] + Array("pop3".utf8) + [0x02, 0x00, 0x10] + Array("mail.example.org".utf8)
        let header = Self.version2(family: 0x11, payload: [192, 0, 2, 10, 198, 51, 100, 1, 0, 1, 0, 2] + tlvs)
        let parsed = Self.parse(header + Array("CAPA\r\n".utf8))
        #expect(parsed == Self.proxied(2, "192.0.2.10", 1, "198.51.100.1", 2, length: header.count))
    }

    @Test func version2LocalKeepsTheSocketsAddresses() {
        // HAProxy's health checks with check-send-proxy: LOCAL, family UNSPEC, no addresses.
        let local = Self.version2(command: 0, family: 0x00, payload: [])
        #expect(Self.parse(local) == .success(.header(ProxyHeader(version: 2, client: nil), length: 16)))
        // LOCAL with an address block: the spec says to ignore the family and the addresses.
        let withAddresses = Self.version2(
            command: 0, family: 0x11, payload: [192, 0, 2, 10, 198, 51, 100, 1, 0, 1, 0, 2])
        #expect(Self.parse(withAddresses) == .success(.header(ProxyHeader(version: 2, client: nil), length: 28)))
        let unspecified = Self.version2(family: 0x00, payload: [])
        #expect(Self.parse(unspecified) == .success(.header(ProxyHeader(version: 2, client: nil), length: 16)))
        let unixSocket = Self.version2(family: 0x31, payload: Array(repeating: 0, count: 216))
        #expect(Self.parse(unixSocket) == .success(.header(ProxyHeader(version: 2, client: nil), length: 232)))
    }

    @Test func version2WaitsForTheWholeHeaderWhateverTheSplit() {
        let header = Self.version2(family: 0x11, payload: [192, 0, 2, 10, 198, 51, 100, 1, 0, 1, 0, 2, 0x04, 0, 1, 0])
        for cut in 0..<header.count {
            #expect(Self.parse(Array(header.prefix(cut))) == .success(.incomplete), "cut at \(cut)")
        }
        #expect(Self.parse(header) == Self.proxied(2, "192.0.2.10", 1, "198.51.100.1", 2, length: header.count))
    }

    @Test func version2RefusesWhatItCannotUse() {
        let addresses: [UInt8] = [192, 0, 2, 10, 198, 51, 100, 1, 0, 1, 0, 2]
        // Version 1 in the binary form, and a command other than LOCAL and PROXY.
        var badVersion = Self.version2(family: 0x11, payload: addresses)
        badVersion[12] = 0x11
        #expect(Self.parse(badVersion) == .failure(.unsupportedVersionOrCommand(0x11)))
        #expect(
            Self.parse(Self.version2(command: 2, family: 0x11, payload: addresses))
                == .failure(.unsupportedVersionOrCommand(0x22)))
        // UDP, UNIX datagrams and undefined families.
        for family: UInt8 in [0x12, 0x22, 0x32, 0x41, 0x13, 0x10] {
            #expect(
                Self.parse(Self.version2(family: family, payload: addresses)) == .failure(.unsupportedFamily(family)))
        }
        // Addresses shorter than their family needs.
        #expect(
            Self.parse(Self.version2(family: 0x11, payload: Array(addresses.prefix(11))))
                == .failure(.addressesTruncated(family: 0x11, length: 11)))
        #expect(
            Self.parse(Self.version2(family: 0x21, payload: Array(repeating: 1, count: 35)))
                == .failure(.addressesTruncated(family: 0x21, length: 35)))
    }

    @Test func version2RefusesAnOversizedHeaderBeforeItArrives() {
        let limit = ProxyHeaderParser.maximumV2Payload
        // Only the 16 fixed octets: the announced length alone is refused, nothing more is awaited.
        let announced = Array(Self.version2(family: 0x11, payload: [], length: limit + 1))
        #expect(Self.parse(announced) == .failure(.tooLong(16 + limit + 1)))
        #expect(Self.parse(Self.version2(family: 0x11, payload: [], length: 0xFFFF)) == .failure(.tooLong(16 + 0xFFFF)))
        // At the limit: waited for, then read.
        let padded = [192, 0, 2, 10, 198, 51, 100, 1, 0, 1, 0, 2] + Array(repeating: UInt8(0), count: limit - 12)
        let largest = Self.version2(family: 0x11, payload: padded)
        #expect(Self.parse(Array(largest.dropLast())) == .success(.incomplete))
        #expect(Self.parse(largest) == Self.proxied(2, "192.0.2.10", 1, "198.51.100.1", 2, length: 16 + limit))
    }

    // MARK: Neither

    @Test func refusesBytesWithNeitherSignature() {
        for text in [
            "USER alice\r\n", "CAPA\r\n", "proxy TCP4 192.0.2.10 198.51.100.1 1 2\r\n", "PROXY\tTCP4",
            "GET / HTTP/1.1\r\n", "X",
        ] {
            #expect(Self.parse(text) == .failure(.noSignature), "\(text.debugDescription)")
        }
        // A v2 signature wrong in its last octet, and binary garbage.
        var signature = ProxyHeaderParser.v2Signature
        signature[11] = 0x0D
        #expect(Self.parse(signature + [0x21, 0x11, 0, 0]) == .failure(.noSignature))
        #expect(Self.parse([0x16, 0x03, 0x01, 0x02, 0x00]) == .failure(.noSignature), "a TLS ClientHello")
        #expect(Self.parse([0x0D, 0x0A, 0x0D, 0x0A, 0x01]) == .failure(.noSignature))
        #expect(Self.parse([0x0D, 0x0A, 0x0D, 0x0A]) == .success(.incomplete), "the v2 signature's start")
        #expect(Self.parse(Array("PRO".utf8)) == .success(.incomplete), "the v1 signature's start")
        #expect(Self.parse([UInt8]()) == .success(.incomplete))
    }

    @Test func neverTrapsOnRandomBytes() {
        var generator = SystemRandomNumberGenerator()
        let prefixes: [[UInt8]] = [[], Array("PROXY ".utf8), Array("PROXY TCP4 ".utf8), ProxyHeaderParser.v2Signature]
        for round in 0..<20_000 {
            let count = Int.random(in: 0...140, using: &generator)
            var bytes = prefixes[round % prefixes.count]
            bytes += (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if case .success(.header(_, let length)) = Self.parse(bytes) {
                #expect(length <= bytes.count)
            }
        }
    }
}

extension Result<ProxyHeaderParser.Outcome, ProxyHeaderError> {
    var isMalformedLine: Bool {
        if case .failure(.malformedLine) = self { return true }
        return false
    }
}
