@testable import POP3Core

/// libFuzzer's entry point for the POP3 target: the input is a session script (see `SessionScript`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPOP3(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let script = SessionScript(FuzzInput.bytes(data, size))
    var driver = SessionDriver(configuration: script.configuration)
    driver.run(script.steps)
    return 0
}
