/// The OP byte of a v2 request (echoed in its response).
public enum MonitorOpcode: UInt8, Sendable, Hashable, CaseIterable {
    case serverInfo = 0x01
    case metrics = 0x02
    case history = 0x03
    case clusterMetrics = 0x04
    case clusterHistory = 0x05
    case listUsers = 0x10
    case addUser = 0x11
    case deleteUser = 0x12
    case changePassword = 0x13
    case addAppPassword = 0x14
    case listAppPasswords = 0x15
    case revokeAppPassword = 0x16
    case listAdmins = 0x20
    case addAdmin = 0x21
    case deleteAdmin = 0x22
    case listSessions = 0x30
    case setMaildir = 0x40
    case backup = 0x50
    case topUsers = 0x70
    case failedLoginsByPeer = 0x71
    case userPolicy = 0x60
    case listHidden = 0x61
    case purgeHidden = 0x62
}

/// The METHOD byte of a v1 request.
public enum LegacyMethod: UInt8, Sendable, Hashable, CaseIterable {
    case get = 0x00
    case config = 0x01
}

/// The TARGET byte of a v1 CONFIG request.
public enum LegacyConfigTarget: UInt8, Sendable, Hashable, CaseIterable {
    case setMaildir = 0x00
    case bufferSize = 0x01
    case addAdmin = 0x02
    case deleteAdmin = 0x03
    case addUser = 0x04
    case deleteUser = 0x05
}
