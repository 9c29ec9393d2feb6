/// RFC 2449 / RFC 3206 extended response codes, written in brackets after `-ERR`.
public enum POP3ResponseCode: String, Sendable {
    case inUse = "IN-USE"
    case auth = "AUTH"
    case sysTemp = "SYS/TEMP"
    case sysPerm = "SYS/PERM"
    case loginDelay = "LOGIN-DELAY"
}
