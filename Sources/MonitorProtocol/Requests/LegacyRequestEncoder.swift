/// Encodes v1 requests exactly as the seed's C client did.
enum LegacyRequestEncoder {
    static func encode(_ request: MonitorRequest) throws(MonitorEncodingError) -> [UInt8] {
        let (method, target, data) = try methodTargetData(request.operation)
        guard data.count <= MonitorLimits.v1MaxDataLength else { throw .tooLarge(data.count) }
        var writer = ByteWriter(capacity: MonitorLimits.v1RequestHeaderSize + data.count)
        writer.write(MonitorVersion.v1.rawValue)
        writer.write(bytes: request.token.bytes)
        writer.write(method.rawValue)
        writer.write(target)
        writer.write(UInt16(data.count))
        writer.write(bytes: data)
        return writer.bytes
    }

    private static func methodTargetData(
        _ operation: MonitorOperation
    ) throws(MonitorEncodingError) -> (LegacyMethod, UInt8, [UInt8]) {
        switch operation {
        case .legacyCounter(let counter):
            // The seed client sends one zero byte of DATA with every GET.
            return (.get, counter.rawValue, [0x00])
        case .setBufferSize(let size):
            guard size >= 1 else { throw .invalidValue("the buffer size must be at least 1") }
            return (.config, LegacyConfigTarget.bufferSize.rawValue, Array(String(size).utf8))
        case .setMaildir(let path):
            return (.config, LegacyConfigTarget.setMaildir.rawValue, try Fields.bytes(path, .path, "the maildir path"))
        case .addAdmin(let name, let token):
            let data = try Fields.bytes(name, .name, "the admin name") + [0x00] + token.bytes
            return (.config, LegacyConfigTarget.addAdmin.rawValue, data)
        case .deleteAdmin(let name):
            return (.config, LegacyConfigTarget.deleteAdmin.rawValue, try Fields.bytes(name, .name, "the admin name"))
        case .addUser(let name, let password):
            let data =
                try Fields.bytes(name, .name, "the user name") + [0x00]
                + Fields.bytes(password, .password, "the password")
            return (.config, LegacyConfigTarget.addUser.rawValue, data)
        case .deleteUser(let name):
            return (.config, LegacyConfigTarget.deleteUser.rawValue, try Fields.bytes(name, .name, "the user name"))
        default:
            throw .notInVersion(.v1)
        }
    }
}

/// Text-to-bytes with the encoder's error, shared by both request encoders.
enum Fields {
    static func bytes(_ text: String, _ field: TextField, _ what: String) throws(MonitorEncodingError) -> [UInt8] {
        guard let bytes = field.bytes(of: text) else { throw .invalidText(field, what) }
        return bytes
    }
}
