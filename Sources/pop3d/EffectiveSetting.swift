/// One value of one option as pop3d will use it, and where it came from (nil value: not set).
struct EffectiveSetting: Equatable {
    var key: String
    var value: String?
    var source: SettingSource
}
