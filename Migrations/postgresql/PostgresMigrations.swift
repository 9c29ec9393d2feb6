/// The PostgreSQL schema's migrations, embedded from `Migrations/postgresql/*.sql` in file-name order.
public enum PostgresMigrations {
    /// File name (`NNNN_name.sql`) and SQL text of each migration.
    public static let all: [(fileName: String, sql: String)] = [
        ("0001_initial.sql", String(decoding: PackageResources._001_initial_sql, as: UTF8.self)),
        ("0002_cluster_recovery.sql", String(decoding: PackageResources._002_cluster_recovery_sql, as: UTF8.self)),
        ("0003_app_passwords.sql", String(decoding: PackageResources._003_app_passwords_sql, as: UTF8.self)),
        ("0004_mailbox_policy.sql", String(decoding: PackageResources._004_mailbox_policy_sql, as: UTF8.self)),
        ("0007_scram_verifiers.sql", String(decoding: PackageResources._007_scram_verifiers_sql, as: UTF8.self)),
    ]
}
