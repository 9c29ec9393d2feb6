import Maildir
import NIOCore
import POP3Core

// The wire encoder and the message reader work on raw memory (their modules know no NIO); these write through
// them straight into a ByteBuffer's free space.

extension WireEncoder {
    /// Encodes a chunk of raw message octets onto `out`, in slices sized so each fits the space `out` has.
    mutating func encode(_ chunk: ByteBuffer, into out: inout ByteBuffer) {
        chunk.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count && !isComplete {
                let free = out.writableBytes - 4
                let slice = min(bytes.count - offset, free >= 8_192 ? free / 2 : 32_768)
                out.writeWithUnsafeMutableBytes(minimumWritableBytes: WireEncoder.worstCaseSize(of: slice)) {
                    encode(UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + slice]), into: $0)
                }
                offset += slice
            }
        }
    }

    /// Ends the message on `out`: a missing last line end, then the terminating dot line.
    mutating func finish(into out: inout ByteBuffer) {
        out.writeWithUnsafeMutableBytes(minimumWritableBytes: WireEncoder.finishSize) { finish(into: $0) }
    }
}

extension MessageReader {
    /// Appends up to `maxBytes` octets to `buffer`; returns how many, 0 at end of file.
    func read(into buffer: inout ByteBuffer, maxBytes: Int) throws -> Int {
        guard maxBytes > 0 else { return 0 }
        return try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: maxBytes) { space in
            try read(into: UnsafeMutableRawBufferPointer(rebasing: space[..<min(maxBytes, space.count)]))
        }
    }
}
