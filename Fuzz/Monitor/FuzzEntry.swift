/// libFuzzer's entry point for the monitor target: the input is raw bytes off the wire, read by the server's
/// request decoder and by the client's response decoders.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzMonitor(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput.bytes(data, size)
    let pieces = InputPieces.split(input)
    RequestStreamInvariants.check(input, pieces: pieces)
    ResponseStreamInvariants.check(input, pieces: pieces, version: .v1)
    ResponseStreamInvariants.check(input, pieces: pieces, version: .v2)
    return 0
}
