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
    UserCreated {
        name: String,
        role: String,
    },
    AdminCreated,
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
                _ => say!(
                    lang,
                    "監査記録のチェーンが行 {row} で終わっています（truncated）: 先頭は行 {head_last}・{head_rows} 行としていますが、{found_rows} 行しかありません",
                    "audit chain broken at row {row}: the chain ends with {found_rows} rows, but the head says row {head_last} with {head_rows} rows (truncated)"
                ),
            },
            UserCreated { name, role } => say!(
                lang,
                "利用者 {name:?}（役割 {role}）を作りました。トークンは今だけ表示します:",
                "created user {name:?} with role {role}; its token (shown only now):"
            ),
            AdminCreated => say!(
                lang,
                "kentai: 新しいデータベースに利用者 \"admin\"（役割 admin）を作りました。トークンは今だけ表示します:",
                "kentai: created user \"admin\" (role admin) on this new database; its token is shown only now:"
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
        UserCreated {
            name: s("clerk"),
            role: s("reception"),
        },
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
    ];
    for m in &all {
        match m {
            MigrationsApplied { .. }
            | AuditRowsSealed { .. }
            | AuditChainOk { .. }
            | AuditChainBroken { .. }
            | UserCreated { .. }
            | AdminCreated
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
