/// One schema migration as shipped inside the binary.
public struct EmbeddedMigration: Sendable {
    /// The file name, `NNNN_name.sql`.
    public let fileName: String
    /// The SQL text of the file.
    // SwiftPM names an embedded file by replacing its leading digit with "_": 0001_x.sql -> _001_x_sql.
    public let sql: String
}

/// The migrations embedded from `Migrations/*.sql`, in file-name order.
public enum EmbeddedMigrations {
    public static let all: [EmbeddedMigration] = [
        EmbeddedMigration(
            fileName: "0001_initial.sql", sql: String(decoding: PackageResources._001_initial_sql, as: UTF8.self)),
        EmbeddedMigration(
            fileName: "0002_history_retention.sql",
            sql: String(decoding: PackageResources._002_history_retention_sql, as: UTF8.self)),
        EmbeddedMigration(
            fileName: "0003_app_passwords.sql",
            sql: String(decoding: PackageResources._003_app_passwords_sql, as: UTF8.self)),
        EmbeddedMigration(
            fileName: "0004_mailbox_policy.sql",
            sql: String(decoding: PackageResources._004_mailbox_policy_sql, as: UTF8.self)),
        EmbeddedMigration(
            fileName: "0007_scram_verifiers.sql",
            sql: String(decoding: PackageResources._007_scram_verifiers_sql, as: UTF8.self)),
    ]
}
