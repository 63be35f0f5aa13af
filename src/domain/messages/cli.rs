//! What the command line says to a person (it follows `LANG`): notes on
//! stderr, the lines of its human-readable output, its refusals. Output
//! meant for programs (tokens, JSON lines, report files) stays as it is.

use super::{say, Lang};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "key", rename_all = "snake_case")]
pub enum CliMsg {
    MigrationsApplied {
        count: usize,
        database: String,
    },
    AuditRowsSealed {
        count: usize,
    },
    AuditChainOk {
        rows: i64,
        last_id: i64,
        head: String,
    },
    /// `kind`: `edited`, `unlinked` or `truncated` (the words scripts
    /// match on are kept in both languages).
    AuditChainBroken {
        row: i64,
        kind: String,
        head_last: i64,
        head_rows: i64,
        found_rows: i64,
    },
    /// A covered row is not as the chain's last change left it.
    AuditRecordChanged {
        table: String,
        row: String,
        fields: String,
    },
    AuditRecordDeleted {
        table: String,
        row: String,
    },
    AuditRecordInserted {
        table: String,
        row: String,
    },
    AuditRecordUnclaimed {
        table: String,
        row: String,
        op: String,
    },
    AuditTriggerMissing {
        name: String,
    },
    AuditNoBaseline,
    AuditRecordsMatch {
        tables: usize,
    },
    /// The closing line of a verify that found the records differing.
    AuditRecordsDiffer {
        count: usize,
    },
    AuditBaselineRecorded,
    /// `kentai restore` refuses a backup whose audit does not hold.
    RestoreRefused {
        reasons: String,
    },
    UserCreated {
        name: String,
        role: String,
    },
    UserCreatedWithPassword {
        name: String,
        role: String,
    },
    PasswordSet {
        name: String,
    },
    PasswordPrompt,
    PasswordMissing,
    AdminCreated,
    /// The first admin made under systemd, whose output is the journal.
    AdminCreatedUnderService,
    CannotStartServer,
    SqliteOnly {
        command: String,
    },
    BackedUp {
        path: String,
        bytes: u64,
        pages: i64,
    },
    Restored {
        path: String,
        bytes: u64,
        pages: i64,
    },
    BackupNotForPostgres,
    BackupsPruned {
        removed: usize,
        kept: usize,
    },
    BackupCheckFailed {
        path: String,
        reasons: String,
    },
    /// `kentai devices --udev` found every attached device covered.
    UdevNothingToAdd,
    /// The comment above the rules `kentai devices --udev` prints.
    UdevRulesHeader,
    MigrationsAppliedCount {
        count: usize,
    },
    NoDevices,
    InvalidScans {
        invalid: usize,
        total: usize,
    },
    BadSuffix {
        suffix: String,
    },
    BadScanText {
        text: String,
        detail: String,
    },
    SimulatedScanner {
        link: String,
        pty: String,
    },
    Sent {
        scan: String,
    },
    /// `kentai simulate-analyzer`: what happened on the line.
    AnalyzerSimulated {
        what: SimulatedLine,
    },
    BadFault {
        fault: String,
    },
    AnalyzerTargetMissing,
    Hl7NeedsConnect,
    UnsendableRecord {
        record: usize,
        byte: u8,
    },
    CannotReadMessageFile {
        path: String,
        detail: String,
    },
    Skipped {
        line: String,
        detail: String,
    },
    UnreadableLines {
        count: usize,
    },
    SjisReplaced {
        specimen_id: String,
        column: String,
        character: String,
        code_point: String,
        replaced_with: String,
    },
    ReportRows {
        rows: usize,
        date: String,
    },
    CannotReadStdin,
    CannotWriteStdout,
}

/// The devices table's column heads, in order.
pub fn device_columns(lang: Lang) -> [&'static str; 6] {
    match lang {
        Lang::Ja => ["名前", "ステーション", "種類", "接続先", "状態", "詳細"],
        Lang::En => ["NAME", "STATION", "KIND", "TARGET", "STATE", "DETAIL"],
    }
}

impl CliMsg {
    pub fn render(&self, lang: Lang) -> String {
        use CliMsg::*;
        match self {
            MigrationsApplied { count, database } => say!(
                lang,
                "{database} にマイグレーションを {count} 件適用しました",
                "{count} migration(s) applied to {database}"
            ),
            AuditRowsSealed { count } => say!(
                lang,
                "以前の監査記録 {count} 行をハッシュチェーンにつなぎました",
                "{count} earlier audit row(s) linked into the hash chain"
            ),
            AuditChainOk {
                rows,
                last_id,
                head,
            } => say!(
                lang,
                "監査記録のチェーンは正常です（audit chain ok）: {rows} 行、最終行 {last_id}、先頭ハッシュ {head}",
                "audit chain ok: {rows} rows, last row {last_id}, head {head}"
            ),
            AuditChainBroken {
                row,
                kind,
                head_last,
                head_rows,
                found_rows,
            } => match kind.as_str() {
                "edited" => say!(
                    lang,
                    "監査記録のチェーンが行 {row} で壊れています（edited）: 書き込み後に内容が変えられています",
                    "audit chain broken at row {row}: row {row} was changed after it was written (edited)"
                ),
                "unlinked" => say!(
                    lang,
                    "監査記録のチェーンが行 {row} で壊れています（unlinked）: その前の行が削除・挿入・並べ替えされています",
                    "audit chain broken at row {row}: it does not follow the row before it (unlinked)"
                ),
                "unsealed" => say!(
                    lang,
                    "監査記録のチェーンが行 {row} で壊れています（unsealed）: ハッシュのない行が kentai を通さずに挿入されています",
                    "audit chain broken at row {row}: it has no hash and was inserted around kentai (unsealed)"
                ),
                "changes" => say!(
                    lang,
                    "監査記録のチェーンが行 {row} で壊れています（changes）: その行が封じた記録の変更が書き換えられています",
                    "audit chain broken at row {row}: the record changes it sealed were altered (changes)"
                ),
                "rewritten" => say!(
                    lang,
                    "監査記録のチェーンが書き換えられています（rewritten）: 控えた {row} 行目のハッシュがチェーンにありません（現在 {found_rows} 行）",
                    "audit chain rewritten: its row {row} does not carry the hash written down (the chain has {found_rows} rows) (rewritten)"
                ),
                _ => say!(
                    lang,
                    "監査記録のチェーンが行 {row} で終わっています（truncated）: 先頭は行 {head_last}・{head_rows} 行としていますが、{found_rows} 行しかありません",
                    "audit chain broken at row {row}: the chain ends with {found_rows} rows, but the head says row {head_last} with {head_rows} rows (truncated)"
                ),
            },
            AuditRecordChanged { table, row, fields } => say!(
                lang,
                "記録がチェーンと違います（changed）: {table} {row} の {fields}",
                "record differs from the audit chain (changed): {table} {row}, field(s) {fields}"
            ),
            AuditRecordDeleted { table, row } => say!(
                lang,
                "チェーンにある記録がありません（deleted）: {table} {row}",
                "record in the audit chain is missing (deleted): {table} {row}"
            ),
            AuditRecordInserted { table, row } => say!(
                lang,
                "チェーンにない記録があります（inserted）: {table} {row}",
                "record not in the audit chain (inserted): {table} {row}"
            ),
            AuditRecordUnclaimed { table, row, op } => say!(
                lang,
                "監査記録のない変更があります（unclaimed）: {table} {row} の {op}",
                "change written around kentai, claimed by no audit row (unclaimed): {op} of {table} {row}"
            ),
            AuditTriggerMissing { name } => say!(
                lang,
                "監査を守るトリガーがないか無効です（trigger）: {name}",
                "a trigger guarding the audit is missing or disabled (trigger): {name}"
            ),
            AuditNoBaseline => say!(
                lang,
                "記録がまだチェーンに取り込まれていません（baseline）: kentai serve か kentai migrate を一度実行してください",
                "the records are not in the audit chain yet (baseline): run kentai serve or kentai migrate once"
            ),
            AuditRecordsMatch { tables } => say!(
                lang,
                "記録はチェーンと一致しています（records ok）: {tables} 表",
                "records ok: {tables} tables match the audit chain"
            ),
            AuditRecordsDiffer { count } => say!(
                lang,
                "監査の検証に失敗しました: {count} 件の問題があります",
                "audit verify failed: {count} problem(s) found"
            ),
            AuditBaselineRecorded => say!(
                lang,
                "記録を監査記録のチェーンに取り込みました",
                "the records were snapshotted into the audit chain"
            ),
            RestoreRefused { reasons } => say!(
                lang,
                "バックアップの監査記録が壊れているため復元しません（--force で強行できます）: {reasons}",
                "the backup's audit does not hold, so it is not restored (pass --force to restore it anyway): {reasons}"
            ),
            UserCreated { name, role } => say!(
                lang,
                "利用者 {name:?}（役割 {role}）を作りました。トークンは今だけ表示します:",
                "created user {name:?} with role {role}; its token (shown only now):"
            ),
            UserCreatedWithPassword { name, role } => say!(
                lang,
                "利用者 {name:?}（役割 {role}）をパスワード付きで作りました",
                "created user {name:?} with role {role} and its password"
            ),
            PasswordSet { name } => say!(
                lang,
                "利用者 {name:?} のパスワードを設定しました（ログイン中の画面は閉じられました）",
                "set the password of user {name:?} (its sessions are closed)"
            ),
            PasswordPrompt => say!(lang, "新しいパスワード: ", "new password: "),
            PasswordMissing => say!(
                lang,
                "標準入力の1行目にパスワードがありません",
                "no password on the first line of standard input"
            ),
            AdminCreated => say!(
                lang,
                "kentai: 新しいデータベースに利用者 \"admin\"（役割 admin）を作りました。トークンは今だけ表示します:",
                "kentai: created user \"admin\" (role admin) on this new database; its token is shown only now:"
            ),
            AdminCreatedUnderService => say!(
                lang,
                "kentai: 新しいデータベースに利用者 \"admin\"（役割 admin）を作りました。パスワードは sudo -u kentai kentai user passwd admin で設定してください",
                "kentai: created user \"admin\" (role admin) on this new database; set its password with sudo -u kentai kentai user passwd admin"
            ),
            BackupNotForPostgres => say!(
                lang,
                "データベースが PostgreSQL のため、kentai のバックアップは作りません（pg_dump かベースバックアップで）",
                "the database is PostgreSQL: kentai makes no backup of it (use pg_dump or base backups)"
            ),
            BackupsPruned { removed, kept } => say!(
                lang,
                "古いバックアップを {removed} 件消し、{kept} 件を残しました",
                "removed {removed} old backup(s), kept {kept}"
            ),
            BackupCheckFailed { path, reasons } => say!(
                lang,
                "{path} はできましたが検査に通りません: {reasons}",
                "{path} was written but failed its check: {reasons}"
            ),
            UdevNothingToAdd => say!(
                lang,
                "# つながっている USB 機器はすべて 61-kentai.rules で扱えます（追加する規則はありません）",
                "# every attached USB device is covered by 61-kentai.rules (no rule to add)"
            ),
            UdevRulesHeader => say!(
                lang,
                "# /etc/udev/rules.d/61-kentai-local.rules に加え、sudo udevadm control --reload && sudo udevadm trigger を実行してから挿し直してください",
                "# add to /etc/udev/rules.d/61-kentai-local.rules, run sudo udevadm control --reload && sudo udevadm trigger, then replug"
            ),
            CannotStartServer => {
                say!(lang, "サーバーを起動できません", "cannot start the server")
            }
            SqliteOnly { command } => say!(
                lang,
                "kentai {command} は SQLite のデータベースを扱います。PostgreSQL には pg_dump / pg_restore を使ってください",
                "kentai {command} copies a SQLite database; for PostgreSQL use pg_dump / pg_restore"
            ),
            BackedUp { path, bytes, pages } => say!(
                lang,
                "{path} にバックアップしました（backed up; {bytes} バイト、{pages} ページ）",
                "backed up {path} ({bytes} bytes, {pages} pages)"
            ),
            Restored { path, bytes, pages } => say!(
                lang,
                "{path} から復元しました（restored; {bytes} バイト、{pages} ページ）",
                "restored {path} ({bytes} bytes, {pages} pages)"
            ),
            MigrationsAppliedCount { count } => say!(
                lang,
                "適用したマイグレーション: {count}",
                "migrations applied: {count}"
            ),
            NoDevices => say!(
                lang,
                "設定されたスキャナーはなく、シリアルポートも USB 機器も見つかりません",
                "no scanners configured and no serial ports or USB devices seen"
            ),
            InvalidScans { invalid, total } => say!(
                lang,
                "{total} 件中 {invalid} 件（{invalid} of {total}）は正しいバーコードではありません",
                "{invalid} of {total} scan(s) are not valid barcodes"
            ),
            BadSuffix { suffix } => say!(
                lang,
                "--suffix {suffix:?} は使えません（cr、lf、crlf、tab、stx_etx、none のいずれか）",
                "--suffix {suffix:?} is not cr, lf, crlf, tab, stx_etx or none"
            ),
            BadScanText { text, detail } => {
                say!(lang, "{text:?} を読めません: {detail}", "{text:?}: {detail}")
            }
            SimulatedScanner { link, pty } => say!(
                lang,
                "模擬スキャナーを {link} に用意しました（→ {pty}）",
                "simulated scanner at {link} (→ {pty})"
            ),
            Sent { scan } => say!(lang, "送信しました（sent）: {scan}", "sent {scan}"),
            AnalyzerSimulated { what } => what.render(lang),
            BadFault { fault } => say!(
                lang,
                "{fault:?} という障害はありません（bad-checksum、nak-storm、drop-eot、unplug のいずれか）",
                "no fault {fault:?} (use bad-checksum, nak-storm, drop-eot or unplug)"
            ),
            AnalyzerTargetMissing => say!(
                lang,
                "送り先を --connect ADDR:PORT、--listen ADDR:PORT か --link PATH で指定してください",
                "say where to send: --connect ADDR:PORT, --listen ADDR:PORT or --link PATH"
            ),
            Hl7NeedsConnect => say!(
                lang,
                "HL7 は MLLP で送ります: --connect ADDR:PORT を指定してください",
                "HL7 goes over MLLP: give --connect ADDR:PORT"
            ),
            UnsendableRecord { record, byte } => say!(
                lang,
                "{record} 番目のレコードに制御文字 0x{byte:02X} があり、ASTM のフレームに入りません（ファイルはレコードを 1 行に 1 つ書いたものにしてください。回線のバイト列そのものではありません）",
                "record {record} holds the control byte 0x{byte:02X}, which no ASTM frame may carry (the file holds records, one per line, not the bytes of a line)"
            ),
            CannotReadMessageFile { path, detail } => say!(
                lang,
                "メッセージのファイル {path} を読めません: {detail}",
                "cannot read the message file {path}: {detail}"
            ),
            Skipped { line, detail } => say!(
                lang,
                "{line:?} を飛ばしました: {detail}",
                "skipped {line:?}: {detail}"
            ),
            UnreadableLines { count } => say!(
                lang,
                "標準入力の {count} 行はスキャンとして読めませんでした",
                "{count} line(s) of stdin were not scans"
            ),
            SjisReplaced {
                specimen_id,
                column,
                character,
                code_point,
                replaced_with,
            } => say!(
                lang,
                "{specimen_id} {column}: {character:?}（{code_point}）は Shift_JIS にないため {replaced_with} と書きました",
                "{specimen_id} {column}: {character:?} ({code_point}) is not in Shift_JIS; written as {replaced_with}"
            ),
            ReportRows { rows, date } => say!(
                lang,
                "{date} の報告: {rows} 行",
                "{rows} row(s) for {date}"
            ),
            CannotReadStdin => say!(lang, "標準入力を読めません", "cannot read stdin"),
            CannotWriteStdout => say!(lang, "標準出力に書けません", "cannot write to stdout"),
        }
    }
}

#[cfg(test)]
pub(super) fn samples() -> Vec<CliMsg> {
    use CliMsg::*;
    let s = |v: &str| v.to_string();
    let all = vec![
        MigrationsApplied {
            count: 7,
            database: s("sqlite://kentai.db"),
        },
        AuditRowsSealed { count: 3 },
        AuditChainOk {
            rows: 10,
            last_id: 10,
            head: s("ab12"),
        },
        AuditChainBroken {
            row: 4,
            kind: s("edited"),
            head_last: 9,
            head_rows: 9,
            found_rows: 9,
        },
        AuditChainBroken {
            row: 4,
            kind: s("unlinked"),
            head_last: 9,
            head_rows: 9,
            found_rows: 9,
        },
        AuditChainBroken {
            row: 7,
            kind: s("truncated"),
            head_last: 9,
            head_rows: 9,
            found_rows: 7,
        },
        AuditChainBroken {
            row: 4,
            kind: s("unsealed"),
            head_last: 9,
            head_rows: 9,
            found_rows: 9,
        },
        AuditChainBroken {
            row: 4,
            kind: s("changes"),
            head_last: 9,
            head_rows: 9,
            found_rows: 9,
        },
        AuditChainBroken {
            row: 12,
            kind: s("rewritten"),
            head_last: 9,
            head_rows: 9,
            found_rows: 9,
        },
        AuditRecordChanged {
            table: s("results"),
            row: s("3"),
            fields: s("result"),
        },
        AuditRecordDeleted {
            table: s("specimens"),
            row: s("T-1"),
        },
        AuditRecordInserted {
            table: s("users"),
            row: s("9"),
        },
        AuditRecordUnclaimed {
            table: s("users"),
            row: s("9"),
            op: s("update"),
        },
        AuditTriggerMissing {
            name: s("audit_log_no_update"),
        },
        AuditNoBaseline,
        AuditRecordsMatch { tables: 13 },
        AuditRecordsDiffer { count: 2 },
        AuditBaselineRecorded,
        RestoreRefused {
            reasons: s("trigger audit_log_no_update"),
        },
        UserCreated {
            name: s("clerk"),
            role: s("reception"),
        },
        UserCreatedWithPassword {
            name: s("clerk"),
            role: s("reception"),
        },
        PasswordSet { name: s("clerk") },
        PasswordPrompt,
        PasswordMissing,
        AdminCreated,
        CannotStartServer,
        SqliteOnly {
            command: s("backup"),
        },
        BackedUp {
            path: s("/tmp/b.db"),
            bytes: 4096,
            pages: 1,
        },
        Restored {
            path: s("/tmp/b.db"),
            bytes: 4096,
            pages: 1,
        },
        MigrationsAppliedCount { count: 1 },
        NoDevices,
        InvalidScans {
            invalid: 1,
            total: 2,
        },
        BadSuffix { suffix: s("xx") },
        BadScanText {
            text: s("\\x1"),
            detail: s("bad escape"),
        },
        SimulatedScanner {
            link: s("/tmp/scanner"),
            pty: s("/dev/pts/3"),
        },
        Sent { scan: s("T-1") },
        AnalyzerSimulated {
            what: SimulatedLine::Acknowledged,
        },
        BadFault { fault: s("fire") },
        AnalyzerTargetMissing,
        Hl7NeedsConnect,
        UnsendableRecord {
            record: 1,
            byte: 0x05,
        },
        CannotReadMessageFile {
            path: s("run.hl7"),
            detail: s("not found"),
        },
        Skipped {
            line: s("\\x1"),
            detail: s("bad escape"),
        },
        UnreadableLines { count: 1 },
        SjisReplaced {
            specimen_id: s("T-1"),
            column: s("name"),
            character: s("𠮷"),
            code_point: s("U+20BB7"),
            replaced_with: s("〓"),
        },
        ReportRows {
            rows: 3,
            date: s("2026-12-06"),
        },
        CannotReadStdin,
        CannotWriteStdout,
        AdminCreatedUnderService,
        BackupNotForPostgres,
        BackupsPruned {
            removed: 1,
            kept: 14,
        },
        BackupCheckFailed {
            path: s("backups/kentai-20261207T183000Z.db"),
            reasons: s("audit chain broken"),
        },
        UdevNothingToAdd,
        UdevRulesHeader,
    ];
    for m in &all {
        match m {
            MigrationsApplied { .. }
            | AuditRowsSealed { .. }
            | AuditChainOk { .. }
            | AuditChainBroken { .. }
            | AuditRecordChanged { .. }
            | AuditRecordDeleted { .. }
            | AuditRecordInserted { .. }
            | AuditRecordUnclaimed { .. }
            | AuditTriggerMissing { .. }
            | AuditNoBaseline
            | AuditRecordsMatch { .. }
            | AuditRecordsDiffer { .. }
            | AuditBaselineRecorded
            | RestoreRefused { .. }
            | UserCreated { .. }
            | UserCreatedWithPassword { .. }
            | PasswordSet { .. }
            | PasswordPrompt
            | PasswordMissing
            | AdminCreated
            | AdminCreatedUnderService
            | BackupNotForPostgres
            | BackupsPruned { .. }
            | BackupCheckFailed { .. }
            | UdevNothingToAdd
            | UdevRulesHeader
            | CannotStartServer
            | SqliteOnly { .. }
            | BackedUp { .. }
            | Restored { .. }
            | MigrationsAppliedCount { .. }
            | NoDevices
            | InvalidScans { .. }
            | BadSuffix { .. }
            | BadScanText { .. }
            | SimulatedScanner { .. }
            | Sent { .. }
            | AnalyzerSimulated { .. }
            | BadFault { .. }
            | AnalyzerTargetMissing
            | Hl7NeedsConnect
            | UnsendableRecord { .. }
            | CannotReadMessageFile { .. }
            | Skipped { .. }
            | UnreadableLines { .. }
            | SjisReplaced { .. }
            | ReportRows { .. }
            | CannotReadStdin
            | CannotWriteStdout => {}
        }
    }
    all
}

/// What a simulated analyser saw on its line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum SimulatedLine {
    /// A pseudo-terminal is ready at `link`.
    Ready { link: String, pty: String },
    /// Waiting at `address` for kentai to connect.
    Listening { address: String },
    /// The line was cut in the middle of the message, on purpose.
    Unplugged,
    /// The connection closed without an answer.
    NoAnswer,
    /// A segment of kentai's HL7 answer.
    Answer { segment: String },
    /// Every ASTM frame was acknowledged.
    Acknowledged,
    /// The ASTM message was given up (six tries, or no reply).
    GivenUp { why: String },
    /// kentai answered a frame with EOT: stop after this message.
    StopRequested,
    /// The transfer was left without its EOT, on purpose.
    NoEot,
    /// The line failed.
    LineFailed { detail: String },
}

impl SimulatedLine {
    pub fn render(&self, lang: Lang) -> String {
        use SimulatedLine::*;
        match self {
            Ready { link, pty } => say!(
                lang,
                "模擬分析装置の回線を {link} に用意しました（→ {pty}）",
                "simulated analyzer line at {link} (→ {pty})"
            ),
            Listening { address } => say!(
                lang,
                "模擬分析装置は {address} で kentai からの接続を待っています",
                "simulated analyzer listening at {address} for kentai to connect"
            ),
            Unplugged => say!(
                lang,
                "メッセージの途中で回線を切りました",
                "unplugged in the middle of the message"
            ),
            NoAnswer => say!(
                lang,
                "kentai は応答せずに接続を閉じました",
                "kentai closed the connection without an answer"
            ),
            Answer { segment } => say!(lang, "応答: {segment}", "answer: {segment}"),
            Acknowledged => say!(
                lang,
                "すべてのフレームが受け付けられました（ACK）",
                "every frame was acknowledged"
            ),
            GivenUp { why } => say!(
                lang,
                "送信をあきらめました: {why}",
                "the message was given up: {why}"
            ),
            StopRequested => say!(
                lang,
                "kentai がこのメッセージの後で止めるよう求めました",
                "kentai asked to stop after this message"
            ),
            NoEot => say!(
                lang,
                "送信を EOT なしで終えました（kentai の受信タイマーが切ります）",
                "the transfer was left without its EOT (kentai's receive timer ends it)"
            ),
            LineFailed { detail } => {
                say!(lang, "回線のエラー: {detail}", "the line failed: {detail}")
            }
        }
    }
}
