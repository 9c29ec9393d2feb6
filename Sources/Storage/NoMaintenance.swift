/// The maintenance of a backend that offers none: every job is refused with a message for the operator.
public struct NoMaintenance: DatabaseMaintenance {
    public init() {}

    public func backup(to path: String) throws {
        throw StorageError.invalidValue("this storage backend cannot write backups")
    }

    public func sizeInBytes() throws -> UInt64 {
        throw StorageError.invalidValue("this storage backend cannot measure its size")
    }
}
