//! What is stored says no: unknown ids, conflicts with stored records,
//! sign-in and roles.

use super::{action_name, list, role_name, say, Lang, Msg};
use crate::roles::{Action, Role};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "key", rename_all = "snake_case")]
pub enum RecordMsg {
    NoSpecimen {
        id: String,
    },
    NoLocation {
        code: String,
    },
    NoPackage {
        id: String,
    },
    NoKit {
        gtin: String,
    },
    NoUser {
        id: String,
    },
    NoPatient {
        patient_id: String,
    },
    NoStation {
        name: String,
    },
    /// No `[[analyzer]]` of this name.
    NoAnalyzer {
        name: String,
    },
    /// No analyser result waiting with this id.
    NoAnalyzerResult {
        id: String,
    },
    /// An analyser result already recorded, linked or discarded.
    AnalyzerResultSettled {
        id: String,
    },
    NoRoute {
        method: String,
        path: String,
    },
    DuplicateSpecimen {
        id: String,
    },
    DuplicateLocation {
        code: String,
    },
    DuplicateKit {
        gtin: String,
        in_config: bool,
    },
    DuplicateUser {
        name: String,
    },
    /// No API token of the asking user with this id (or one already revoked).
    NoApiToken {
        id: String,
    },
    /// The asking user has a live API token of this name already.
    DuplicateTokenName {
        name: String,
    },
    /// No `[[printer]]` of this name.
    NoPrinter {
        name: String,
    },
    /// No print job with this id.
    NoPrintJob {
        id: String,
    },
    /// A document the printer's kind cannot print (`raw9100` or `ipp`).
    NotPrintableOn {
        document: String,
        printer: String,
        kind: String,
    },
    /// A stored tube whose status no longer lets it be stored.
    NotInCareToStore {
        id: String,
        status: String,
    },
    NotInCareToPack {
        id: String,
        status: String,
    },
    PackageLocked {
        id: String,
        status: String,
    },
    AlreadyPacked {
        id: String,
        package: String,
    },
    NotInPackage {
        id: String,
        package: String,
    },
    PackageHasNoTube {
        package: String,
    },
    /// Dispatch waits for these (their sentences, in checklist order).
    PackageIncomplete {
        package: String,
        missing: Vec<Msg>,
    },
    PackageNotDispatched {
        id: String,
    },
    ReceiveFirst {
        id: String,
        status: String,
    },
    /// Packages need `site.gs1_company_prefix` for their SSCC.
    CompanyPrefixMissing,
    CompanyPrefixInvalid {
        value: String,
    },
    SsccSerialsUsedUp {
        prefix: String,
        serial: u64,
    },
    ScanAlreadyProcessed {
        id: i64,
    },
    SelfLockout,
    /// A known patient number registered with other identity fields.
    PatientMismatch {
        patient_id: String,
        fields: Vec<String>,
    },
    RoleMayNot {
        role: Role,
        action: Action,
    },
    /// Changing something with the session cookie needs its CSRF header.
    CsrfMissing {
        header: String,
    },
    MissingToken,
    InvalidToken,
    SessionEnded,
    /// The page was left idle and locked: re-enter first.
    SessionLocked,
    /// The password, badge or PIN given to re-enter a locked page is wrong.
    ReEntryWrong,
    /// Locking and re-entry are for a browser's session, not a token.
    NotABrowserSession,
    /// Signed in with a one-time password not yet changed.
    PasswordChangeRequired,
    ServerNotReady,
    TooManyAttempts {
        seconds: u64,
    },
    /// A request body slower than `[limits]` allows.
    BodyTooSlow {
        seconds: f64,
        bytes_per_second: u64,
    },
    TooManyConnections,
    Internal,
    ShuttingDown,
    StationUserDisabled {
        name: String,
    },
    /// The PIN typed after a badge scan is wrong.
    PinWrong,
    /// A PIN typed at a station where no badge waits for one.
    NoBadgeWaiting {
        station: String,
    },
    /// A badge's holder has no PIN yet.
    NoPinSet {
        name: String,
    },
    /// A scan replayed after a restart whose user is gone or disabled.
    ScanUserGone,
    StationGone {
        name: String,
    },
    /// A report or record of a facility this server does not serve.
    OtherFacility {
        facility: String,
    },
}

impl RecordMsg {
    pub fn render(&self, lang: Lang) -> String {
        use RecordMsg::*;
        match self {
            NoSpecimen { id } => say!(
                lang,
                "検体 {id} は登録されていません",
                "no specimen {id:?}"
            ),
            NoLocation { code } => say!(
                lang,
                "保管場所 {code} は登録されていません",
                "no location {code:?}"
            ),
            NoPackage { id } => say!(lang, "梱包 {id} はありません", "no package {id:?}"),
            NoKit { gtin } => say!(
                lang,
                "キット {gtin} はキットカタログにありません",
                "no kit {gtin:?} in the kit catalog"
            ),
            NoUser { id } => say!(lang, "利用者 {id} はいません", "no user {id}"),
            NoPatient { patient_id } => say!(
                lang,
                "患者番号 {patient_id} の患者は登録されていません",
                "no patient {patient_id:?}"
            ),
            NoStation { name } => say!(
                lang,
                "ステーション {name} は設定されていません（kentai.toml の [[station]]）",
                "no station {name:?} is configured"
            ),
            NoAnalyzer { name } => say!(
                lang,
                "分析装置 {name} は設定されていません（kentai.toml の [[analyzer]]）",
                "no analyzer {name:?} is configured"
            ),
            NoAnalyzerResult { id } => say!(
                lang,
                "分析装置の結果 {id} はありません",
                "no analyzer result {id}"
            ),
            AnalyzerResultSettled { id } => say!(
                lang,
                "分析装置の結果 {id} は記録・紐付け・破棄のいずれかが済んでいます",
                "analyzer result {id} is already recorded, linked or discarded"
            ),
            NoRoute { method, path } => say!(
                lang,
                "{method} {path} という API はありません",
                "no route {method} {path}"
            ),
            DuplicateSpecimen { id } => say!(
                lang,
                "検体番号 {id} はすでに別の内容で登録されています。新しい採取管を使ってください",
                "specimen {id:?} is already registered with different details"
            ),
            DuplicateLocation { code } => say!(
                lang,
                "保管場所 {code} は別の名前または区分ですでに登録されています",
                "location {code:?} already exists with a different name or class"
            ),
            DuplicateKit {
                gtin,
                in_config: true,
            } => say!(
                lang,
                "キット {gtin} は kentai.toml に別の内容ですでに登録されています",
                "kit {gtin} is already catalogued in kentai.toml with different details"
            ),
            DuplicateKit {
                gtin,
                in_config: false,
            } => say!(
                lang,
                "キット {gtin} は別の内容ですでに登録されています",
                "kit {gtin} is already catalogued with different details"
            ),
            DuplicateUser { name } => say!(
                lang,
                "利用者 {name} はすでにいます",
                "a user named {name:?} already exists"
            ),
            NoApiToken { id } => say!(
                lang,
                "API トークン {id} はありません（取り消し済みか、別の利用者のものです）",
                "no API token {id} of yours (revoked, or not yours)"
            ),
            DuplicateTokenName { name } => say!(
                lang,
                "「{name}」という名前の API トークンがすでにあります。別の名前にしてください",
                "you already have a live API token named {name:?}: choose another name"
            ),
            NoPrinter { name } => say!(
                lang,
                "プリンター「{name}」は kentai.toml に設定されていません",
                "no printer named {name:?} is configured in kentai.toml"
            ),
            NoPrintJob { id } => say!(
                lang,
                "印刷ジョブ {id} はありません",
                "no print job {id}"
            ),
            NotPrintableOn {
                document,
                printer,
                kind,
            } => say!(
                lang,
                "{document} はプリンター「{printer}」（{kind}）では印刷できません",
                "{document} cannot be printed on printer {printer:?} ({kind})"
            ),
            NotInCareToStore { id, status } => {
                let s = status_name(status, lang);
                say!(
                    lang,
                    "検体 {id} は{s}のため、ここには保管できません",
                    "specimen {id:?} is {s} and can no longer be stored here"
                )
            }
            NotInCareToPack { id, status } => {
                let s = status_name(status, lang);
                say!(
                    lang,
                    "検体 {id} は{s}のため、梱包できません",
                    "specimen {id} is {s} and cannot be packed"
                )
            }
            PackageLocked { id, status } => {
                let s = status_name(status, lang);
                say!(
                    lang,
                    "梱包 {id} は{s}のため、もう変更できません",
                    "package {id} is {s} and can no longer change"
                )
            }
            AlreadyPacked { id, package } => say!(
                lang,
                "検体 {id} はすでに梱包 {package} に入っています",
                "specimen {id} is already in package {package}"
            ),
            NotInPackage { id, package } => say!(
                lang,
                "検体 {id} は梱包 {package} に入っていません",
                "specimen {id} is not in package {package}"
            ),
            PackageHasNoTube { package } => say!(
                lang,
                "梱包 {package} にはまだ採取管がありません。先に採取管を入れてください",
                "package {package} has no tube yet: add tubes before ticking"
            ),
            PackageIncomplete { package, missing } => {
                // A desk's panel shows the first few; the answer's
                // `missing` list and the package page have them all.
                const SHOWN: usize = 6;
                let n = missing.len();
                let mut items: Vec<String> =
                    missing.iter().take(SHOWN).map(|m| m.render(lang)).collect();
                if n > SHOWN {
                    let more = n - SHOWN;
                    items.push(say!(lang, "ほか{more}項目", "{more} more"));
                }
                let items = list(lang, &items);
                say!(
                    lang,
                    "梱包 {package} はまだ発送できません。残り{n}項目: {items}",
                    "package {package} cannot be dispatched: {n} missing: {items}"
                )
            }
            PackageNotDispatched { id } => say!(
                lang,
                "梱包 {id} はまだ発送されていません",
                "package {id} has not been dispatched"
            ),
            ReceiveFirst { id, status } => {
                let s = status_name(status, lang);
                say!(
                    lang,
                    "梱包 {id} は{s}です。先に受領してください（届かなかった採取管はそこで指定します）",
                    "package {id} is {s}: receive it first (listing missing tubes there)"
                )
            }
            CompanyPrefixMissing => say!(
                lang,
                "梱包の SSCC には GS1 事業者コードが必要です。kentai.toml の [site] gs1_company_prefix を設定してください",
                "site.gs1_company_prefix is not set: packages need it for their SSCC"
            ),
            CompanyPrefixInvalid { value } => say!(
                lang,
                "kentai.toml の [site] gs1_company_prefix は4〜12桁の数字です（設定値 {value:?}）",
                "site.gs1_company_prefix must be 4 to 12 digits, got {value:?}"
            ),
            SsccSerialsUsedUp { prefix, serial } => say!(
                lang,
                "GS1 事業者コード {prefix} の SSCC の連番を使い切りました（{serial} は入りません）",
                "the SSCC serial range of company prefix {prefix} is used up ({serial} does not fit)"
            ),
            ScanAlreadyProcessed { id } => say!(
                lang,
                "スキャン {id} は処理済みです",
                "scan {id} was already processed"
            ),
            SelfLockout => say!(
                lang,
                "自分自身は無効にできません。必要なら別の管理者が行ってください",
                "you cannot disable your own user; another admin can"
            ),
            PatientMismatch { patient_id, fields } => {
                let names: Vec<String> = fields
                    .iter()
                    .map(|f| super::field_name(&format!("patient.{f}"), lang))
                    .collect();
                let names = list(lang, &names);
                say!(
                    lang,
                    "患者番号 {patient_id} の患者は登録済みで、{names}が登録内容と違います。受付で本人と患者番号を確かめてください（登録内容の訂正は検査室・管理者が「患者情報の訂正」で行います）",
                    "patient {patient_id:?} is already registered with a different {names}; check the person and the patient number (a lab or admin user corrects the record with a patient correction)"
                )
            }
            RoleMayNot { role, action } => {
                let r = role_name(*role, lang);
                let a = action_name(*action, lang);
                say!(
                    lang,
                    "{r}の役割では「{a}」はできません",
                    "role {r} may not {a}"
                )
            }
            CsrfMissing { header } => say!(
                lang,
                "ログイン中の変更には {header} ヘッダーが必要です。画面を開き直してください",
                "a request with the session cookie that changes something needs the session's {header} header"
            ),
            MissingToken => say!(
                lang,
                "トークンがありません（Authorization: Bearer TOKEN）",
                "missing bearer token (Authorization: Bearer TOKEN)"
            ),
            InvalidToken => say!(
                lang,
                "トークンが正しくないか、無効になっています",
                "invalid or revoked token"
            ),
            PasswordChangeRequired => say!(
                lang,
                "一時パスワードでログインしています。/account/password で新しいパスワードを決めてから使ってください",
                "signed in with a one-time password: choose a new one at /account/password first"
            ),
            SessionLocked => say!(
                lang,
                "しばらく操作がなかったため画面をロックしました。パスワード、または職員バッジと PIN で再開してください",
                "this screen locked after sitting idle: re-enter with the password, or a staff badge and PIN"
            ),
            ReEntryWrong => say!(
                lang,
                "パスワード、またはバッジか PIN が違います",
                "wrong password, badge or PIN"
            ),
            NotABrowserSession => say!(
                lang,
                "画面のロックはブラウザのログインにだけあります。トークンにはロックする画面がありません",
                "locking is for a browser's session: a token has no screen to lock"
            ),
            SessionEnded => say!(
                lang,
                "ログインの有効期限が切れました。もう一度ログインしてください",
                "the session has ended: sign in again, or send Authorization: Bearer TOKEN"
            ),
            ServerNotReady => say!(lang, "サーバーの準備ができていません", "server not ready"),
            OtherFacility { facility } => say!(
                lang,
                "医療機関 {facility} の記録はこのサーバーでは読めません",
                "this server does not serve facility {facility}: its records cannot be read here"
            ),
            TooManyAttempts { seconds } => say!(
                lang,
                "間違ったトークンが続いたため、{seconds}秒後まで受け付けません",
                "too many wrong tokens from this address; try again in {seconds} s"
            ),
            BodyTooSlow {
                seconds,
                bytes_per_second,
            } => say!(
                lang,
                "リクエストの本文が遅すぎるため打ち切りました（{seconds}秒以内、毎秒{bytes_per_second}バイト以上で送ってください）",
                "the request body came too slowly and was cut off (send it within {seconds} s, at least {bytes_per_second} bytes/s)"
            ),
            TooManyConnections => say!(
                lang,
                "接続が多すぎます。しばらくしてからもう一度お試しください",
                "too many connections; try again shortly"
            ),
            Internal => say!(
                lang,
                "サーバーの内部でエラーが起きました。記録は変更されていません。サーバーのログを確認してください",
                "internal error; see the server log"
            ),
            ShuttingDown => say!(lang, "サーバーを停止しています", "server is shutting down"),
            StationUserDisabled { name } => say!(
                lang,
                "このステーションの利用者 {name} は無効になっています",
                "the station's user {name:?} is disabled"
            ),
            PinWrong => say!(
                lang,
                "PIN が違います。バッジを読み取り直してから、もう一度入力してください",
                "wrong PIN: scan the badge again, then type the PIN"
            ),
            NoBadgeWaiting { station } => say!(
                lang,
                "ステーション {station} で PIN を待っているバッジがありません。先にバッジを読み取ってください",
                "no badge at station {station} waits for a PIN: scan the badge first"
            ),
            NoPinSet { name } => say!(
                lang,
                "{name} さんの PIN がまだ設定されていません。パスワードでサインインして、自分のアカウントのページで設定してください",
                "{name} has no PIN yet: sign in with the password and set one on the account page"
            ),
            ScanUserGone => say!(
                lang,
                "このスキャンの利用者は無効か、もういません",
                "the user this scan acted as is disabled or gone"
            ),
            StationGone { name } => say!(
                lang,
                "ステーション {name} はもう設定されていません",
                "station {name:?} is no longer configured"
            ),
        }
    }
}

/// A specimen's or package's status as a sentence says it.
fn status_name(status: &str, lang: Lang) -> String {
    let ja = match status {
        "registered" => "登録済み",
        "stored" => "保管中",
        "packed" => "梱包済み",
        "shipped" => "発送済み",
        "received" => "受領済み",
        "missing" => "未着",
        "open" => "梱包中",
        "dispatched" => "発送済み",
        _ => return status.to_string(),
    };
    match lang {
        Lang::Ja => ja.to_string(),
        Lang::En => status.to_string(),
    }
}

#[cfg(test)]
pub(super) fn samples() -> Vec<RecordMsg> {
    use RecordMsg::*;
    let s = |v: &str| v.to_string();
    let all = vec![
        NoSpecimen { id: s("T-1") },
        NoLocation { code: s("F-1") },
        NoPackage { id: s("P") },
        NoKit {
            gtin: s("04912345000019"),
        },
        NoUser { id: s("9") },
        NoPatient {
            patient_id: s("P-1"),
        },
        NoStation { name: s("desk") },
        NoAnalyzer { name: s("pcr-1") },
        NoAnalyzerResult { id: s("7") },
        AnalyzerResultSettled { id: s("7") },
        NoRoute {
            method: s("GET"),
            path: s("/x"),
        },
        DuplicateSpecimen { id: s("T-1") },
        DuplicateLocation { code: s("F-1") },
        DuplicateKit {
            gtin: s("04912345000019"),
            in_config: true,
        },
        DuplicateUser { name: s("clerk") },
        NoApiToken { id: s("3") },
        DuplicateTokenName {
            name: s("nightly report"),
        },
        NoPrinter { name: s("zebra-1") },
        NoPrintJob { id: s("4") },
        NotPrintableOn {
            document: s("slip"),
            printer: s("zebra-1"),
            kind: s("raw9100"),
        },
        NotInCareToStore {
            id: s("T-1"),
            status: s("shipped"),
        },
        NotInCareToPack {
            id: s("T-1"),
            status: s("received"),
        },
        PackageLocked {
            id: s("P"),
            status: s("dispatched"),
        },
        AlreadyPacked {
            id: s("T-1"),
            package: s("P"),
        },
        NotInPackage {
            id: s("T-1"),
            package: s("P"),
        },
        PackageHasNoTube { package: s("P") },
        PackageIncomplete {
            package: s("P"),
            missing: vec![Msg::Rule(super::RuleMsg::MissingTube)],
        },
        PackageNotDispatched { id: s("P") },
        ReceiveFirst {
            id: s("P"),
            status: s("dispatched"),
        },
        CompanyPrefixMissing,
        CompanyPrefixInvalid { value: s("12") },
        SsccSerialsUsedUp {
            prefix: s("4912345"),
            serial: 1_000_000_000,
        },
        ScanAlreadyProcessed { id: 4 },
        SelfLockout,
        PatientMismatch {
            patient_id: s("P-1"),
            fields: vec![s("name"), s("phone")],
        },
        RoleMayNot {
            role: Role::Reception,
            action: Action::PackSpecimens,
        },
        CsrfMissing {
            header: s("X-CSRF-Token"),
        },
        MissingToken,
        InvalidToken,
        SessionEnded,
        SessionLocked,
        ReEntryWrong,
        NotABrowserSession,
        PasswordChangeRequired,
        ServerNotReady,
        TooManyAttempts { seconds: 30 },
        BodyTooSlow {
            seconds: 30.0,
            bytes_per_second: 1024,
        },
        TooManyConnections,
        Internal,
        ShuttingDown,
        StationUserDisabled {
            name: s("station:x"),
        },
        PinWrong,
        NoBadgeWaiting { station: s("desk") },
        NoPinSet { name: s("tanaka") },
        ScanUserGone,
        StationGone { name: s("desk") },
        OtherFacility {
            facility: s("1312345678"),
        },
    ];
    for m in &all {
        match m {
            NoSpecimen { .. }
            | NoLocation { .. }
            | NoPackage { .. }
            | NoKit { .. }
            | NoUser { .. }
            | NoPatient { .. }
            | NoStation { .. }
            | NoAnalyzer { .. }
            | NoAnalyzerResult { .. }
            | AnalyzerResultSettled { .. }
            | NoRoute { .. }
            | DuplicateSpecimen { .. }
            | DuplicateLocation { .. }
            | DuplicateKit { .. }
            | DuplicateUser { .. }
            | NoApiToken { .. }
            | DuplicateTokenName { .. }
            | NoPrinter { .. }
            | NoPrintJob { .. }
            | NotPrintableOn { .. }
            | NotInCareToStore { .. }
            | NotInCareToPack { .. }
            | PackageLocked { .. }
            | AlreadyPacked { .. }
            | NotInPackage { .. }
            | PackageHasNoTube { .. }
            | PackageIncomplete { .. }
            | PackageNotDispatched { .. }
            | ReceiveFirst { .. }
            | CompanyPrefixMissing
            | CompanyPrefixInvalid { .. }
            | SsccSerialsUsedUp { .. }
            | ScanAlreadyProcessed { .. }
            | SelfLockout
            | PatientMismatch { .. }
            | RoleMayNot { .. }
            | CsrfMissing { .. }
            | MissingToken
            | InvalidToken
            | SessionEnded
            | SessionLocked
            | ReEntryWrong
            | NotABrowserSession
            | PasswordChangeRequired
            | ServerNotReady
            | TooManyAttempts { .. }
            | BodyTooSlow { .. }
            | TooManyConnections
            | Internal
            | ShuttingDown
            | StationUserDisabled { .. }
            | PinWrong
            | NoBadgeWaiting { .. }
            | NoPinSet { .. }
            | ScanUserGone
            | StationGone { .. }
            | OtherFacility { .. } => {}
        }
    }
    all
}
