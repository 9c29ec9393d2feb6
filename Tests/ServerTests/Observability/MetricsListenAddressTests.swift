import Testing

@testable import Server

@Suite("--metrics-listen addresses")
struct MetricsListenAddressTests {
    @Test func goodAddresses() {
        #expect(MetricsListenAddress("127.0.0.1:9110") == MetricsListenAddress(host: "127.0.0.1", port: 9110))
        #expect(MetricsListenAddress("[::1]:9110") == MetricsListenAddress(host: "::1", port: 9110))
        #expect(MetricsListenAddress("localhost:0") == MetricsListenAddress(host: "localhost", port: 0))
        #expect(MetricsListenAddress("0.0.0.0:65535")?.port == 65_535)
        #expect(MetricsListenAddress("[::1]:9110")?.description == "[::1]:9110")
        #expect(MetricsListenAddress("127.0.0.1:9110")?.description == "127.0.0.1:9110")
    }

    @Test func badAddresses() {
        for text in [
            "", "9110", ":9110", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:+80",
            "127.0.0.1:99999999999999999999", "::1:9110", "[::1]", "[::1]9110", "[::1:9110", "[]:9110",
            "a b:9110", "127.0.0.1:9110 ", "127.0.0.1:٩١١٠",
        ] {
            #expect(MetricsListenAddress(text) == nil, "\(text)")
        }
    }
}
