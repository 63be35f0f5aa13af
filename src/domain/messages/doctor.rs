//! What `kentai doctor` and the admin page's 診断 say about the machine
//! kentai runs on: one heading per check, what was found, and how to fix
//! it. Whoever looks after a clinic's PC reads these, so each fix names
//! the command or the file to change.

use super::{say, Lang};
use serde::{Deserialize, Serialize};

/// The thing a check looks at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "area", content = "name", rename_all = "snake_case")]
pub enum Area {
    Config,
    Database,
    Migrations,
    Integrity,
    Disk,
    TimeZone,
    Clock,
    ClockSync,
    Scanner(String),
    Printer(String),
    Backups,
    Tls,
}

impl Area {
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Area::Config => say!(lang, "設定", "configuration"),
            Area::Database => say!(lang, "データベース", "database"),
            Area::Migrations => say!(lang, "スキーマ", "schema"),
            Area::Integrity => say!(lang, "データベースの整合性", "database integrity"),
            Area::Disk => say!(lang, "空き容量", "free disk"),
            Area::TimeZone => say!(lang, "タイムゾーン", "time zone"),
            Area::Clock => say!(lang, "時計", "clock"),
            Area::ClockSync => say!(lang, "時刻同期", "time synchronisation"),
            Area::Scanner(name) => say!(lang, "スキャナー {name}", "scanner {name}"),
            Area::Printer(name) => say!(lang, "プリンター {name}", "printer {name}"),
            Area::Backups => say!(lang, "バックアップ", "backups"),
            Area::Tls => say!(lang, "TLS 証明書", "TLS certificate"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "key", rename_all = "snake_case")]
pub enum DoctorMsg {
    ConfigRead {
        path: String,
    },
    ConfigDefaults,
    ConfigInvalid {
        detail: String,
    },
    FixConfig {
        path: String,
    },
    DatabaseOpen {
        target: String,
    },
    DatabaseMissing {
        path: String,
    },
    FixDatabaseMissing,
    DatabaseUnreachable {
        detail: String,
    },
    FixSqliteUnreachable {
        dir: String,
    },
    FixPostgresUnreachable,
    MigrationsCurrent,
    MigrationsPending,
    FixMigrations,
    IntegrityOk,
    IntegrityFailed {
        detail: String,
    },
    FixIntegrity,
    IntegrityByPostgres,
    DiskFree {
        path: String,
        free: String,
        total: String,
    },
    FixDisk {
        path: String,
    },
    TimeZone {
        zone: String,
        now: String,
    },
    ClockAfterLastRecord {
        last: String,
    },
    ClockNoRecords,
    ClockBehind {
        last: String,
    },
    FixClock,
    ClockSynchronised,
    ClockSyncUnknown,
    FixClockSync,
    ScannerPresent {
        target: String,
    },
    ScannerAbsent {
        target: String,
    },
    FixScannerAbsent,
    ScannerNoAccess {
        target: String,
        user: String,
    },
    FixScannerAccess {
        user: String,
    },
    ScannerInUseByKentai {
        target: String,
        pid: u32,
    },
    ScannerInUse {
        target: String,
        holder: String,
        pid: u32,
    },
    FixScannerInUse {
        holder: String,
    },
    UsbUnavailable {
        detail: String,
    },
    PrinterReachable {
        address: String,
    },
    PrinterUnreachable {
        address: String,
        detail: String,
    },
    FixPrinter,
    PrinterPaperOut {
        address: String,
    },
    FixPrinterPaper,
    PrinterHeadOpen {
        address: String,
    },
    FixPrinterHead,
    PrinterNoStatus {
        address: String,
        detail: String,
    },
    FixPrinterStatus,
    BackupFresh {
        at: String,
        copies: usize,
    },
    BackupStale {
        at: String,
        hours: f64,
    },
    BackupNone,
    BackupFirstTonight,
    BackupFailed {
        problems: String,
    },
    FixBackup,
    BackupByPostgres,
    TlsOff,
    TlsOffOnNetwork {
        bind: String,
    },
    FixTlsOff,
    TlsOk {
        cert: String,
    },
    TlsBroken {
        detail: String,
    },
    FixTls,
    /// The closing line.
    AllPassed {
        count: usize,
        warnings: usize,
    },
    SomeFailed {
        failed: usize,
        count: usize,
    },
}

impl DoctorMsg {
    pub fn render(&self, lang: Lang) -> String {
        use DoctorMsg::*;
        match self {
            ConfigRead { path } => say!(lang, "{path} を読みました", "read {path}"),
            ConfigDefaults => say!(
                lang,
                "設定ファイルがないため、既定値で動いています",
                "no configuration file: running on the defaults"
            ),
            ConfigInvalid { detail } => {
                say!(lang, "設定に誤りがあります: {detail}", "the configuration is wrong: {detail}")
            }
            FixConfig { path } => say!(
                lang,
                "{path} を直してください（項目の説明は kentai.example.toml にあります）",
                "correct {path} (kentai.example.toml explains each key)"
            ),
            DatabaseOpen { target } => say!(lang, "{target} に接続できます", "{target} answers"),
            DatabaseMissing { path } => say!(lang, "{path} がまだありません", "{path} does not exist yet"),
            FixDatabaseMissing => say!(
                lang,
                "サービスを起動する（sudo systemctl start kentai）か kentai migrate を実行すると作られます",
                "starting the service (sudo systemctl start kentai) or kentai migrate creates it"
            ),
            DatabaseUnreachable { detail } => {
                say!(lang, "データベースを開けません: {detail}", "cannot open the database: {detail}")
            }
            FixSqliteUnreachable { dir } => say!(
                lang,
                "{dir} を kentai の利用者が読み書きできるか確かめてください",
                "check that the kentai user may read and write {dir}"
            ),
            FixPostgresUnreachable => say!(
                lang,
                "PostgreSQL が動いているか、database の URL（利用者・パスワード・ホスト）が正しいか確かめてください",
                "check that PostgreSQL is running and that the database URL (user, password, host) is right"
            ),
            MigrationsCurrent => say!(lang, "この版のスキーマです", "at this version's schema"),
            MigrationsPending => say!(
                lang,
                "この版のマイグレーションが済んでいません",
                "this version's migrations have not run"
            ),
            FixMigrations => say!(
                lang,
                "sudo systemctl restart kentai（起動時に適用）か kentai migrate を実行してください",
                "run sudo systemctl restart kentai (it migrates at start) or kentai migrate"
            ),
            IntegrityOk => say!(
                lang,
                "PRAGMA quick_check で異常はありません",
                "PRAGMA quick_check found nothing wrong"
            ),
            IntegrityFailed { detail } => say!(
                lang,
                "PRAGMA quick_check が異常を見つけました: {detail}",
                "PRAGMA quick_check found damage: {detail}"
            ),
            FixIntegrity => say!(
                lang,
                "サービスを止め、最新のバックアップを kentai restore で戻してください",
                "stop the service and put the newest backup back with kentai restore"
            ),
            IntegrityByPostgres => say!(
                lang,
                "PostgreSQL のデータは PostgreSQL 自身が検査します",
                "PostgreSQL checks its own data"
            ),
            DiskFree { path, free, total } => {
                say!(lang, "{path} の空き {free}（全体 {total}）", "{free} free of {total} at {path}")
            }
            FixDisk { path } => say!(
                lang,
                "{path} のあるディスクを空けるか、大きくしてください（古いバックアップは自動で消えます）",
                "free or grow the disk holding {path} (old backups are pruned by themselves)"
            ),
            TimeZone { zone, now } => say!(lang, "{zone}（現在 {now}）", "{zone} (now {now})"),
            ClockAfterLastRecord { last } => say!(
                lang,
                "最後の読み取り（{last}）より後を指しています",
                "later than the last scan ({last})"
            ),
            ClockNoRecords => say!(
                lang,
                "読み取りの記録がまだないため、比べられません",
                "no scans recorded yet to compare with"
            ),
            ClockBehind { last } => say!(
                lang,
                "時計が最後の読み取り（{last}）より前を指しています",
                "the clock is earlier than the last scan ({last})"
            ),
            FixClock => say!(
                lang,
                "時刻を合わせ、時刻同期（systemd-timesyncd か chrony）を有効にしてください",
                "set the time and turn on time synchronisation (systemd-timesyncd or chrony)"
            ),
            ClockSynchronised => say!(
                lang,
                "時刻同期が済んでいます（systemd-timesyncd）",
                "synchronised (systemd-timesyncd)"
            ),
            ClockSyncUnknown => say!(
                lang,
                "時刻が同期されているか確かめられません",
                "cannot tell whether the clock is synchronised"
            ),
            FixClockSync => say!(
                lang,
                "sudo apt install systemd-timesyncd で時刻同期を入れてください（chrony を使っているなら chronyc tracking で確認）",
                "install time synchronisation with sudo apt install systemd-timesyncd (with chrony, check chronyc tracking)"
            ),
            ScannerPresent { target } => {
                say!(lang, "{target} がつながっていて開けます", "{target} is attached and may be opened")
            }
            ScannerAbsent { target } => {
                say!(lang, "{target} が見つかりません", "{target} is not attached")
            }
            FixScannerAbsent => say!(
                lang,
                "ケーブルと電源を確かめ、kentai devices に出るか見てください",
                "check the cable and power, and whether kentai devices lists it"
            ),
            ScannerNoAccess { target, user } => {
                say!(lang, "{user} は {target} を開けません", "{user} may not open {target}")
            }
            FixScannerAccess { user } => say!(
                lang,
                "kentai devices --udev が出す規則を /etc/udev/rules.d/61-kentai-local.rules に入れ、sudo udevadm trigger を実行してください（シリアルなら {user} を dialout に）",
                "put the rule kentai devices --udev prints into /etc/udev/rules.d/61-kentai-local.rules and run sudo udevadm trigger (for a serial port, add {user} to dialout)"
            ),
            ScannerInUseByKentai { target, pid } => say!(
                lang,
                "{target} は動いている kentai（pid {pid}）が読んでいます",
                "{target} is being read by the running kentai (pid {pid})"
            ),
            ScannerInUse { target, holder, pid } => say!(
                lang,
                "{target} を別のプログラム {holder}（pid {pid}）が開いています",
                "{target} is held open by another program, {holder} (pid {pid})"
            ),
            FixScannerInUse { holder } => say!(
                lang,
                "{holder} を止めてください（ModemManager なら 61-kentai.rules がスキャナーを除外します: sudo udevadm trigger のあと挿し直し）",
                "stop {holder} (ModemManager is kept off scanners by 61-kentai.rules: run sudo udevadm trigger, then replug)"
            ),
            UsbUnavailable { detail } => {
                say!(lang, "USB を調べられません: {detail}", "cannot look at USB: {detail}")
            }
            PrinterReachable { address } => {
                say!(lang, "{address} につながります", "{address} accepts connections")
            }
            PrinterUnreachable { address, detail } => {
                say!(lang, "{address} につながりません: {detail}", "cannot reach {address}: {detail}")
            }
            FixPrinter => say!(
                lang,
                "プリンターの電源とネットワーク、kentai.toml の address を確かめてください",
                "check the printer's power and network, and its address in kentai.toml"
            ),
            PrinterPaperOut { address } => say!(
                lang,
                "{address} は用紙（ラベル）切れです",
                "{address} is out of paper (labels)"
            ),
            FixPrinterPaper => say!(
                lang,
                "用紙（ラベル）を補充してください。待っている印刷は補充後に自動で送られます",
                "load paper (labels); waiting jobs are sent by themselves once it is loaded"
            ),
            PrinterHeadOpen { address } => say!(
                lang,
                "{address} のヘッド（カバー）が開いています",
                "the head (cover) of {address} is open"
            ),
            FixPrinterHead => say!(
                lang,
                "ヘッド（カバー）を閉じてください",
                "close the head (cover)"
            ),
            PrinterNoStatus { address, detail } => say!(
                lang,
                "{address} につながりますが、状態を答えません: {detail}",
                "{address} accepts connections but does not report its status: {detail}"
            ),
            FixPrinterStatus => say!(
                lang,
                "ZPL 互換でないプリンターは ~HS に答えません。テスト印刷で確かめてください",
                "a printer that is not fully ZPL-compatible does not answer ~HS: print a test label to make sure"
            ),
            BackupFresh { at, copies } => say!(
                lang,
                "最新 {at}（{copies} 世代を保管）",
                "newest {at}; copies kept: {copies}"
            ),
            BackupStale { at, hours } => say!(
                lang,
                "最新のバックアップ {at} は {hours} 時間より古くなっています",
                "the newest backup, {at}, is older than {hours} hours"
            ),
            BackupNone => say!(lang, "バックアップがありません", "there is no backup"),
            BackupFirstTonight => say!(
                lang,
                "まだバックアップはありません（最初の分は今夜 3:30 に作られます）",
                "no backup yet (the first is made tonight at 3:30)"
            ),
            BackupFailed { problems } => {
                say!(lang, "前回のバックアップが失敗しました: {problems}", "the last backup failed: {problems}")
            }
            FixBackup => say!(
                lang,
                "sudo systemctl start kentai-backup.service で今すぐ作れます（毎回の記録は journalctl -u kentai-backup）",
                "make one now with sudo systemctl start kentai-backup.service (each run's log: journalctl -u kentai-backup)"
            ),
            BackupByPostgres => say!(
                lang,
                "PostgreSQL のバックアップはデータベースサーバー側で（pg_dump、ベースバックアップ）",
                "PostgreSQL is backed up on the database server (pg_dump, base backups)"
            ),
            TlsOff => say!(
                lang,
                "HTTPS は使っていません（このパソコンからだけ開くので不要です）",
                "HTTPS is off (not needed: only this computer connects)"
            ),
            TlsOffOnNetwork { bind } => say!(
                lang,
                "{bind} で他のパソコンに暗号化なしで公開しています",
                "serving other computers at {bind} without encryption"
            ),
            FixTlsOff => say!(
                lang,
                "[security] tls_cert と tls_key を設定してください",
                "set [security] tls_cert and tls_key"
            ),
            TlsOk { cert } => say!(
                lang,
                "{cert} と鍵が対になっています",
                "{cert} and its key make a pair"
            ),
            TlsBroken { detail } => say!(lang, "証明書を使えません: {detail}", "the certificate cannot be used: {detail}"),
            FixTls => say!(
                lang,
                "[security] tls_cert と tls_key のファイルを直してください（PEM、kentai の利用者が読めること）",
                "correct the files of [security] tls_cert and tls_key (PEM, readable by the kentai user)"
            ),
            AllPassed { count, warnings: 0 } => say!(
                lang,
                "{count} 項目すべて問題ありません",
                "all {count} checks passed"
            ),
            AllPassed { count, warnings } => say!(
                lang,
                "{count} 項目に失敗はありません（注意 {warnings} 件）",
                "no check of {count} failed ({warnings} to look at)"
            ),
            SomeFailed { failed, count } => say!(
                lang,
                "{count} 項目中 {failed} 項目に問題があります",
                "{failed} of {count} checks failed"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_japanese(s: &str) -> bool {
        s.chars().any(|c| {
            ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c)
        })
    }

    fn samples() -> Vec<DoctorMsg> {
        use DoctorMsg::*;
        let s = |v: &str| v.to_string();
        let all = vec![
            ConfigRead {
                path: s("/etc/kentai/kentai.toml"),
            },
            ConfigDefaults,
            ConfigInvalid { detail: s("x") },
            FixConfig {
                path: s("kentai.toml"),
            },
            DatabaseOpen {
                target: s("sqlite://kentai.db"),
            },
            DatabaseMissing {
                path: s("kentai.db"),
            },
            FixDatabaseMissing,
            DatabaseUnreachable { detail: s("x") },
            FixSqliteUnreachable {
                dir: s("/var/lib/kentai"),
            },
            FixPostgresUnreachable,
            MigrationsCurrent,
            MigrationsPending,
            FixMigrations,
            IntegrityOk,
            IntegrityFailed { detail: s("x") },
            FixIntegrity,
            IntegrityByPostgres,
            DiskFree {
                path: s("/var/lib/kentai"),
                free: s("1 GiB"),
                total: s("2 GiB"),
            },
            FixDisk {
                path: s("/var/lib/kentai"),
            },
            TimeZone {
                zone: s("Asia/Tokyo"),
                now: s("2026-12-08 09:00"),
            },
            ClockAfterLastRecord {
                last: s("2026-12-08 08:59"),
            },
            ClockNoRecords,
            ClockBehind {
                last: s("2026-12-08 08:59"),
            },
            FixClock,
            ClockSynchronised,
            ClockSyncUnknown,
            FixClockSync,
            ScannerPresent {
                target: s("/dev/ttyACM0"),
            },
            ScannerAbsent {
                target: s("/dev/ttyACM0"),
            },
            FixScannerAbsent,
            ScannerNoAccess {
                target: s("/dev/ttyACM0"),
                user: s("kentai"),
            },
            FixScannerAccess { user: s("kentai") },
            ScannerInUseByKentai {
                target: s("/dev/ttyACM0"),
                pid: 7,
            },
            ScannerInUse {
                target: s("/dev/ttyACM0"),
                holder: s("ModemManager"),
                pid: 7,
            },
            FixScannerInUse {
                holder: s("ModemManager"),
            },
            UsbUnavailable { detail: s("x") },
            PrinterReachable {
                address: s("10.0.0.5:9100"),
            },
            PrinterUnreachable {
                address: s("10.0.0.5:9100"),
                detail: s("x"),
            },
            FixPrinter,
            PrinterPaperOut {
                address: s("10.0.0.5:9100"),
            },
            FixPrinterPaper,
            PrinterHeadOpen {
                address: s("10.0.0.5:9100"),
            },
            FixPrinterHead,
            PrinterNoStatus {
                address: s("10.0.0.5:9100"),
                detail: s("x"),
            },
            FixPrinterStatus,
            BackupFresh {
                at: s("2026-12-08 03:30"),
                copies: 3,
            },
            BackupStale {
                at: s("2026-12-06 03:30"),
                hours: 26.0,
            },
            BackupNone,
            BackupFirstTonight,
            BackupFailed { problems: s("x") },
            FixBackup,
            BackupByPostgres,
            TlsOff,
            TlsOffOnNetwork {
                bind: s("0.0.0.0:8080"),
            },
            FixTlsOff,
            TlsOk {
                cert: s("kentai.crt"),
            },
            TlsBroken { detail: s("x") },
            FixTls,
            AllPassed {
                count: 9,
                warnings: 0,
            },
            AllPassed {
                count: 9,
                warnings: 2,
            },
            SomeFailed {
                failed: 1,
                count: 9,
            },
        ];
        for m in &all {
            // Fails to compile when an entry is added without a sample.
            match m {
                ConfigRead { .. }
                | ConfigDefaults
                | ConfigInvalid { .. }
                | FixConfig { .. }
                | DatabaseOpen { .. }
                | DatabaseMissing { .. }
                | FixDatabaseMissing
                | DatabaseUnreachable { .. }
                | FixSqliteUnreachable { .. }
                | FixPostgresUnreachable
                | MigrationsCurrent
                | MigrationsPending
                | FixMigrations
                | IntegrityOk
                | IntegrityFailed { .. }
                | FixIntegrity
                | IntegrityByPostgres
                | DiskFree { .. }
                | FixDisk { .. }
                | TimeZone { .. }
                | ClockAfterLastRecord { .. }
                | ClockNoRecords
                | ClockBehind { .. }
                | FixClock
                | ClockSynchronised
                | ClockSyncUnknown
                | FixClockSync
                | ScannerPresent { .. }
                | ScannerAbsent { .. }
                | FixScannerAbsent
                | ScannerNoAccess { .. }
                | FixScannerAccess { .. }
                | ScannerInUseByKentai { .. }
                | ScannerInUse { .. }
                | FixScannerInUse { .. }
                | UsbUnavailable { .. }
                | PrinterReachable { .. }
                | PrinterUnreachable { .. }
                | FixPrinter
                | PrinterPaperOut { .. }
                | FixPrinterPaper
                | PrinterHeadOpen { .. }
                | FixPrinterHead
                | PrinterNoStatus { .. }
                | FixPrinterStatus
                | BackupFresh { .. }
                | BackupStale { .. }
                | BackupNone
                | BackupFirstTonight
                | BackupFailed { .. }
                | FixBackup
                | BackupByPostgres
                | TlsOff
                | TlsOffOnNetwork { .. }
                | FixTlsOff
                | TlsOk { .. }
                | TlsBroken { .. }
                | FixTls
                | AllPassed { .. }
                | SomeFailed { .. } => {}
            }
        }
        all
    }

    #[test]
    fn every_doctor_sentence_and_heading_reads_in_japanese_and_in_english() {
        let areas = [
            Area::Config,
            Area::Database,
            Area::Migrations,
            Area::Integrity,
            Area::Disk,
            Area::TimeZone,
            Area::Clock,
            Area::ClockSync,
            Area::Scanner("desk-1".into()),
            Area::Printer("zebra-1".into()),
            Area::Backups,
            Area::Tls,
        ];
        let sentences = samples()
            .into_iter()
            .map(|m| (format!("{m:?}"), m.render(Lang::Ja), m.render(Lang::En)));
        let headings = areas
            .iter()
            .map(|a| (format!("{a:?}"), a.render(Lang::Ja), a.render(Lang::En)));
        for (what, ja, en) in sentences.chain(headings) {
            assert!(is_japanese(&ja), "{what}: {ja:?}");
            assert!(!is_japanese(&en), "{what}: {en:?}");
            assert!(!ja.contains('{') && !en.contains('{'), "{what}");
        }
    }
}
