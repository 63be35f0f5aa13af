//! What a scan did at a station, and what the desk waits for next
//! (README, "Scanners and stations"): the words on the station page's large panel.

use super::{
    checklist_item_name, role_name, say, scan_kind_name, test_result_name, workflow_name, Lang, Msg,
};
use crate::packaging::ChecklistItem;
use crate::results::TestResult;
use crate::roles::Role;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "key", rename_all = "snake_case")]
pub enum ScanMsg {
    /// `KTCMD:cancel` (or the page's start-over button).
    Cancelled,
    /// A scan this workflow has no use for at this step.
    UnexpectedScan {
        kind: String,
        workflow: String,
    },
    PatientScanned {
        patient: String,
    },
    NewTube {
        id: String,
    },
    TubeAlreadyRegistered {
        id: String,
    },
    /// A code that cannot be a tube id (why: an input message).
    NotATubeId {
        reason: Box<Msg>,
    },
    KitScanned {
        gtin: String,
        description: Option<String>,
        lot: Option<String>,
    },
    /// Storage desk: a tube waiting for its location.
    TubeToStore {
        id: String,
    },
    /// Storage desk: a location waiting for its tube.
    LocationToFill {
        code: String,
    },
    NeitherTubeNorLocation {
        code: String,
    },
    Stored {
        id: String,
        location: String,
    },
    PackingPackage {
        id: String,
        count: usize,
    },
    PackageClosedForPacking {
        id: String,
        status: String,
    },
    NewPackage {
        id: String,
    },
    Packed {
        id: String,
        count: usize,
    },
    Dispatched {
        id: String,
    },
    PackageFirst,
    NotTubeOrPackage {
        code: String,
    },
    Ticked {
        item: ChecklistItem,
        left: usize,
    },
    Unticked {
        item: ChecklistItem,
        left: usize,
    },
    Received {
        id: String,
        count: usize,
    },
    AlreadyReceived {
        id: String,
    },
    /// The same code read again by the same device within the window.
    DuplicateScan {
        first: i64,
    },
    /// The store failed: nothing was recorded.
    NotRecorded,
    /// What the desk waits for next.
    Next {
        step: Step,
    },
    /// Reception started over (`KTCMD:cancel` or the page's button) and
    /// dropped this registration.
    ReceptionCancelled {
        patient: Option<String>,
        specimen_id: Option<String>,
    },
    /// The draft's patient scanned again once the tube is in: nothing
    /// changes.
    SamePatient {
        patient: String,
    },
    /// The draft's tube scanned again: nothing changes.
    SameTube {
        id: String,
    },
    /// A patient's barcode where reception waits for the tube.
    PatientNotTube {
        scanned: String,
        patient: String,
    },
    /// Another patient while this registration is unfinished.
    PatientInProgress {
        scanned: String,
        patient: String,
        specimen_id: String,
    },
    /// Another tube while this registration is unfinished.
    SecondTube {
        scanned: String,
        current: String,
    },
    /// A plain code that reads as neither a patient nor a tube.
    UnrecognisedCode {
        code: String,
    },
    /// A plain code that reads as both a patient and a tube.
    AmbiguousCode {
        code: String,
    },
    /// A registration took the draft's tube: reception is ready for the
    /// next patient.
    DraftRegistered {
        id: String,
    },
    /// The draft sat idle for `seconds` and was dropped.
    DraftExpired {
        seconds: u64,
        patient: Option<String>,
        specimen_id: Option<String>,
    },
    /// `POST /api/v1/scans` to a station whose work the role may not do.
    StationNotForRole {
        role: Role,
        station: String,
        workflow: String,
    },
    /// A staff badge read at a station: its holder types the PIN next;
    /// `ended` is the person whose turn at the station the badge ended.
    BadgeAwaitingPin {
        name: String,
        ended: Option<String>,
    },
    /// A person signed in at the station (badge and PIN, or on its page).
    OperatorSignedIn {
        name: String,
    },
    /// The person working the station ended their turn (their own badge
    /// again, or the page's button).
    OperatorSignedOut {
        name: String,
    },
    /// The person working the station left it idle too long.
    OperatorIdle {
        name: String,
        minutes: u64,
    },
    /// The person working the station was disabled by an admin.
    OperatorDisabled {
        name: String,
    },
    /// A badge kentai does not know, or a revoked one; `label` is the
    /// short part printed under its barcode.
    UnknownBadge {
        label: String,
    },
    /// A scanner's scan at a station that takes none without a person.
    OperatorRequired {
        station: String,
    },
    /// Result desk: a tube held for its result code; `current` is the
    /// result it already has (a code can then only repeat or correct it).
    ResultTube {
        id: String,
        current: Option<TestResult>,
    },
    /// Result desk: a result recorded from a scan; `pending` while it waits
    /// for a second person's release.
    ResultRecorded {
        id: String,
        result: TestResult,
        pending: bool,
    },
    /// Result desk: every tube scanned from now on gets `result`.
    BatchStarted {
        result: TestResult,
    },
    /// Result desk: the batch is over; tubes are held for their code again.
    BatchEnded {
        result: TestResult,
    },
    /// Result desk: the tube already has this very result.
    AlreadyResulted {
        id: String,
        result: TestResult,
    },
    /// Result desk: the testing lab has not received the tube yet.
    NotReceived {
        id: String,
    },
    /// Result desk: the tube has another result standing; a correction
    /// needs a written reason, which a scan cannot give.
    CorrectOnResultsPage {
        id: String,
        current: TestResult,
        result: TestResult,
    },
    /// A code that is no registered tube, where only a tube will do.
    NotRegisteredTube {
        code: String,
    },
    /// A scanner sent bytes a scanner never sends (wrong baud or parity).
    DeviceGarbage {
        discarded: usize,
        preview: String,
    },
    /// A scanner sent a line longer than its `max_length`.
    DeviceTooLong {
        limit: usize,
        preview: String,
    },
    /// A scan cut off (`cause`: `device_lost`, `silence`, `new_stx`,
    /// `outside_stx_etx`).
    DeviceHalfFrame {
        cause: String,
        discarded: usize,
        preview: String,
    },
}

/// A stretch of time as a sentence says it: "10分", "1分30秒", "2 min 30 s".
fn span(seconds: u64, lang: Lang) -> String {
    let (m, s) = (seconds / 60, seconds % 60);
    match (lang, m, s) {
        (Lang::Ja, 0, s) => format!("{s}秒"),
        (Lang::Ja, m, 0) => format!("{m}分"),
        (Lang::Ja, m, s) => format!("{m}分{s}秒"),
        (Lang::En, 0, s) => format!("{s} s"),
        (Lang::En, m, 0) => format!("{m} min"),
        (Lang::En, m, s) => format!("{m} min {s} s"),
    }
}

/// The patient and tube a dropped draft held, as "患者 P-1・採取管 T-1".
fn held(patient: &Option<String>, tube: &Option<String>, lang: Lang) -> String {
    let mut parts = Vec::new();
    if let Some(p) = patient {
        parts.push(say!(lang, "患者 {p}", "patient {p}"));
    }
    if let Some(t) = tube {
        parts.push(say!(lang, "採取管 {t}", "tube {t}"));
    }
    match lang {
        Lang::Ja => parts.join("・"),
        Lang::En => parts.join(", "),
    }
}

fn half_frame_cause(cause: &str, lang: Lang) -> String {
    let (ja, en) = match cause {
        "device_lost" => ("読み取りの途中で切断されました", "device lost mid-scan"),
        "silence" => (
            "終わりの記号が届く前に途切れました",
            "no suffix before the pause",
        ),
        "new_stx" => ("ETX の前に次の STX が届きました", "STX before the ETX"),
        "outside_stx_etx" => ("STX と ETX の外のデータです", "bytes outside STX…ETX"),
        other => (other, other),
    };
    lang.pick(ja, en).to_string()
}

/// What a station waits for next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    ScanPatient,
    ScanNewTube,
    ScanKitOrForm,
    CompleteForm,
    ScanTubeOrLocation,
    ScanLocation,
    ScanTubeHere,
    ScanNextTubeOrLocation,
    ScanPackageOrNew,
    PackTubes,
    ScanPackageLabel,
    ScanTubeOrResult,
    ScanResultCommand,
    /// A batch runs: each tube scanned gets `result`.
    BatchNextTube {
        result: TestResult,
    },
}

impl Step {
    pub const ALL: [Step; 17] = [
        Step::ScanPatient,
        Step::ScanNewTube,
        Step::ScanKitOrForm,
        Step::CompleteForm,
        Step::ScanTubeOrLocation,
        Step::ScanLocation,
        Step::ScanTubeHere,
        Step::ScanNextTubeOrLocation,
        Step::ScanPackageOrNew,
        Step::PackTubes,
        Step::ScanPackageLabel,
        Step::ScanTubeOrResult,
        Step::ScanResultCommand,
        Step::BatchNextTube {
            result: TestResult::Positive,
        },
        Step::BatchNextTube {
            result: TestResult::Negative,
        },
        Step::BatchNextTube {
            result: TestResult::Inconclusive,
        },
        Step::BatchNextTube {
            result: TestResult::Invalid,
        },
    ];

    pub fn render(self, lang: Lang) -> String {
        use Step::*;
        let (ja, en) = match self {
            BatchNextTube { result } => {
                let r = test_result_name(result, lang);
                return say!(
                    lang,
                    "次の採取管を読み取ってください（一括入力「{r}」中。終えるには同じコードをもう一度読み取ります）",
                    "scan the next tube (batch: {r}; scan the same code again to end it)"
                );
            }
            ScanPatient => ("患者のバーコードを読み取ってください", "scan the patient"),
            ScanNewTube => ("新しい採取管を読み取ってください", "scan the new tube"),
            ScanKitOrForm => (
                "採取キットを読み取るか、登録フォームに進んでください",
                "scan the collection kit, or complete the form",
            ),
            CompleteForm => (
                "登録フォームに進んでください",
                "complete the registration form",
            ),
            ScanTubeOrLocation => (
                "採取管か保管場所を読み取ってください",
                "scan a tube or a location",
            ),
            ScanLocation => (
                "保管場所を読み取ってください",
                "scan the location to store it in",
            ),
            ScanTubeHere => (
                "ここに保管する採取管を読み取ってください",
                "scan the tube to store here",
            ),
            ScanNextTubeOrLocation => (
                "次の採取管か保管場所を読み取ってください",
                "scan the next tube or location",
            ),
            ScanPackageOrNew => (
                "梱包ラベルか「新しい梱包を開始」のコードを読み取ってください",
                "scan the package label or the new-package code",
            ),
            PackTubes => (
                "採取管、チェックリストのコード、発送の順に読み取ってください",
                "scan tubes, then the checklist codes, then dispatch",
            ),
            ScanPackageLabel => ("梱包ラベルを読み取ってください", "scan the package label"),
            ScanTubeOrResult => (
                "採取管を読み取るか、一括入力する結果のコードを読み取ってください",
                "scan a tube, or a result code to give every following tube that result",
            ),
            ScanResultCommand => (
                "この採取管の結果のコード（陽性・陰性・判定保留・無効）を読み取ってください",
                "scan this tube's result code (positive, negative, inconclusive, invalid)",
            ),
        };
        lang.pick(ja, en).to_string()
    }
}

impl ScanMsg {
    pub fn render(&self, lang: Lang) -> String {
        use ScanMsg::*;
        match self {
            Cancelled => say!(
                lang,
                "やり直します。最初から読み取ってください",
                "cancelled: the station starts over"
            ),
            UnexpectedScan { kind, workflow } => {
                let k = scan_kind_name(kind, lang);
                let w = workflow_name(workflow, lang);
                say!(
                    lang,
                    "{w}のステーションでは、今は{k}のバーコードは使えません",
                    "a {k} scan has no use at a {w} station"
                )
            }
            PatientScanned { patient } => {
                say!(lang, "患者 {patient} を読み取りました", "patient {patient}")
            }
            NewTube { id } => say!(lang, "新しい採取管 {id}", "new tube {id}"),
            TubeAlreadyRegistered { id } => say!(
                lang,
                "採取管 {id} はすでに登録されています。新しい採取管を使ってください",
                "tube {id} is already registered; take a new tube"
            ),
            NotATubeId { reason } => {
                let r = reason.render(lang);
                say!(
                    lang,
                    "採取管の番号として使えません: {r}",
                    "not a tube id: {r}"
                )
            }
            KitScanned {
                gtin,
                description,
                lot,
            } => {
                let lot = lot.as_deref().unwrap_or("-");
                match description {
                    Some(d) => say!(lang, "採取キット {d}（ロット {lot}）", "kit {d}, lot {lot}"),
                    None => say!(
                        lang,
                        "採取キット {gtin}（キットカタログにありません）",
                        "kit {gtin} (not in the kit catalog)"
                    ),
                }
            }
            TubeToStore { id } => say!(lang, "採取管 {id}", "tube {id}"),
            LocationToFill { code } => say!(lang, "保管場所 {code}", "location {code}"),
            NeitherTubeNorLocation { code } => say!(
                lang,
                "{code:?} は登録済みの採取管でも、登録済みの保管場所でもありません",
                "{code:?} is neither a registered tube nor a known location"
            ),
            Stored { id, location } => say!(
                lang,
                "採取管 {id} を {location} に保管しました",
                "tube {id} stored in {location}"
            ),
            PackingPackage { id, count } => say!(
                lang,
                "梱包 {id} を梱包中です（採取管 {count} 本）",
                "packing {id}: {count} tube(s) so far"
            ),
            PackageClosedForPacking { id, status } => {
                let s = match (lang, status.as_str()) {
                    (Lang::Ja, "dispatched") => "発送済み".to_string(),
                    (Lang::Ja, "received") => "受領済み".to_string(),
                    _ => status.clone(),
                };
                say!(
                    lang,
                    "梱包 {id} は{s}のため、もう梱包できません",
                    "package {id} is {s} and can no longer be packed"
                )
            }
            NewPackage { id } => say!(
                lang,
                "新しい梱包 {id} を始めました。受取人は梱包画面で入力してください",
                "new package {id}: fill in the consignee on the packing page"
            ),
            Packed { id, count } => say!(
                lang,
                "採取管 {id} を梱包しました（{count} 本）",
                "tube {id} packed: {count} tube(s)"
            ),
            Dispatched { id } => say!(lang, "梱包 {id} を発送しました", "package {id} dispatched"),
            PackageFirst => say!(
                lang,
                "先に梱包ラベルか「新しい梱包を開始」のコードを読み取ってください",
                "scan the package label (or the new-package code) first"
            ),
            NotTubeOrPackage { code } => say!(
                lang,
                "{code:?} は登録済みの採取管でも梱包でもありません",
                "{code:?} is not a registered tube or a known package"
            ),
            Ticked { item, left } => {
                let name = checklist_item_name(*item, lang);
                let code = item.code();
                say!(
                    lang,
                    "「{name}」にチェックしました。発送まで残り{left}項目",
                    "ticked {code}: {left} item(s) left before dispatch"
                )
            }
            Unticked { item, left } => {
                let name = checklist_item_name(*item, lang);
                let code = item.code();
                say!(
                    lang,
                    "「{name}」のチェックを外しました。発送まで残り{left}項目",
                    "unticked {code}: {left} item(s) left before dispatch"
                )
            }
            Received { id, count } => say!(
                lang,
                "梱包 {id} を受領しました（採取管 {count} 本）",
                "package {id} received: {count} tube(s)"
            ),
            AlreadyReceived { id } => say!(
                lang,
                "梱包 {id} は受領済みです",
                "package {id} was already received"
            ),
            DuplicateScan { first } => say!(
                lang,
                "同じコードを続けて読み取りました。1回目（スキャン {first}）だけを処理します",
                "the same code was read again within the duplicate window; scan {first} counts"
            ),
            NotRecorded => say!(
                lang,
                "このスキャンを記録できませんでした。もう一度読み取ってください",
                "kentai could not record this scan; scan it again"
            ),
            Next { step } => step.render(lang),
            ReceptionCancelled {
                patient,
                specimen_id,
            } => {
                if patient.is_none() && specimen_id.is_none() {
                    say!(
                        lang,
                        "やり直します。患者のバーコードから読み取ってください",
                        "started over: scan the patient"
                    )
                } else {
                    let h = held(patient, specimen_id, lang);
                    say!(
                        lang,
                        "{h} の受付を取り消しました。患者のバーコードから読み取ってください",
                        "dropped the registration of {h}: scan the patient"
                    )
                }
            }
            SamePatient { patient } => say!(
                lang,
                "患者 {patient} は読み取り済みです",
                "patient {patient} is already on this registration"
            ),
            SameTube { id } => say!(
                lang,
                "採取管 {id} は読み取り済みです",
                "tube {id} is already on this registration"
            ),
            PatientNotTube { scanned, patient } if scanned == patient => say!(
                lang,
                "{scanned} は患者のバーコードです。採取管のバーコードを読み取ってください",
                "{scanned} is the patient's barcode, not a tube: scan the tube"
            ),
            PatientNotTube { scanned, patient } => say!(
                lang,
                "{scanned} は患者のバーコードで、採取管ではありません。患者 {patient} の採取管を読み取るか、別の患者なら「やり直し」を押してください",
                "{scanned} is a patient's barcode, not a tube: scan the tube of patient {patient}, or press Start over for another patient"
            ),
            PatientInProgress {
                scanned,
                patient,
                specimen_id,
            } => say!(
                lang,
                "患者 {patient}（採取管 {specimen_id}）の受付が終わっていません。登録するか「やり直し」を押してから、患者 {scanned} を読み取ってください",
                "the registration of patient {patient} (tube {specimen_id}) is not finished: register it or press Start over, then scan patient {scanned}"
            ),
            SecondTube { scanned, current } => say!(
                lang,
                "採取管 {current} の登録が終わっていません。登録してから採取管 {scanned} を読み取るか、「やり直し」を押してください",
                "tube {current} is not registered yet: register it before scanning tube {scanned}, or press Start over"
            ),
            UnrecognisedCode { code } => say!(
                lang,
                "{code:?} は患者のバーコードとしても採取管のバーコードとしても読めません",
                "{code:?} reads as neither a patient nor a tube barcode"
            ),
            AmbiguousCode { code } => say!(
                lang,
                "{code:?} は患者のバーコードとも採取管のバーコードとも読めるため、使えません。管理者に kentai.toml の patient_pattern と tube_pattern を確かめてもらってください",
                "{code:?} reads as both a patient and a tube barcode, so it cannot be used; ask the admin to check patient_pattern and tube_pattern in kentai.toml"
            ),
            DraftRegistered { id } => say!(
                lang,
                "{id} を登録しました。次の患者のバーコードを読み取ってください",
                "{id} registered: scan the next patient"
            ),
            DraftExpired {
                seconds,
                patient,
                specimen_id,
            } => {
                let idle = span(*seconds, lang);
                let h = held(patient, specimen_id, lang);
                say!(
                    lang,
                    "{idle}間、操作がなかったため、{h} の受付を取り消しました。次の患者のバーコードを読み取ってください",
                    "nothing happened for {idle}, so the registration of {h} was dropped: scan the next patient"
                )
            }
            StationNotForRole {
                role,
                station,
                workflow,
            } => {
                let r = role_name(*role, lang);
                let w = workflow_name(workflow, lang);
                say!(
                    lang,
                    "{r}の役割では{w}のステーション {station} にスキャンを送れません",
                    "the {r} role may not send scans to the {w} station {station}"
                )
            }
            BadgeAwaitingPin { name, ended: None } => say!(
                lang,
                "{name} さんのバッジを読み取りました。この画面で PIN を入力してください",
                "{name}'s badge: type the PIN on this page"
            ),
            BadgeAwaitingPin {
                name,
                ended: Some(ended),
            } => say!(
                lang,
                "{ended} さんの担当を終え、{name} さんのバッジを読み取りました。この画面で PIN を入力してください",
                "{ended} is signed out; {name}'s badge: type the PIN on this page"
            ),
            OperatorSignedIn { name } => say!(
                lang,
                "{name} さんが担当しています。このステーションのスキャンは {name} さんの操作として記録します",
                "{name} is working this station: its scans are recorded as theirs"
            ),
            OperatorSignedOut { name } => say!(
                lang,
                "{name} さんの担当を終えました",
                "{name} signed out of this station"
            ),
            OperatorIdle { name, minutes } => say!(
                lang,
                "{minutes}分間操作がなかったため、{name} さんの担当を終えました",
                "nothing happened for {minutes} min, so {name} was signed out of this station"
            ),
            OperatorDisabled { name } => say!(
                lang,
                "{name} さんの利用者が無効にされたため、担当を終えました",
                "{name}'s user was disabled, so they were signed out of this station"
            ),
            UnknownBadge { label } => say!(
                lang,
                "このバッジ（{label}）は使えません。無効にされたか再発行されたバッジです。管理者に確認してください",
                "badge {label} is not valid here: it was revoked, reprinted or never issued; ask an admin"
            ),
            OperatorRequired { station } => say!(
                lang,
                "ステーション {station} では担当者のサインインが必要です。先に職員バッジを読み取ってください",
                "station {station} needs a person signed in: scan your staff badge first"
            ),
            ResultTube { id, current: None } => say!(
                lang,
                "採取管 {id} の結果を入力します",
                "tube {id}: scan its result"
            ),
            ResultTube {
                id,
                current: Some(c),
            } => {
                let c = test_result_name(*c, lang);
                say!(
                    lang,
                    "採取管 {id}（結果「{c}」は入力済みです）",
                    "tube {id} (it already has the result {c})"
                )
            }
            ResultRecorded {
                id,
                result,
                pending: false,
            } => {
                let r = test_result_name(*result, lang);
                say!(
                    lang,
                    "採取管 {id} の結果を「{r}」と記録しました",
                    "tube {id}: {r} recorded"
                )
            }
            ResultRecorded {
                id,
                result,
                pending: true,
            } => {
                let r = test_result_name(*result, lang);
                say!(
                    lang,
                    "採取管 {id} の結果を「{r}」と入力しました（承認待ち）",
                    "tube {id}: {r} entered, awaiting release by a second person"
                )
            }
            BatchStarted { result } => {
                let r = test_result_name(*result, lang);
                say!(
                    lang,
                    "一括入力「{r}」を始めました。読み取る採取管はすべて「{r}」と記録します",
                    "batch: {r}. Every tube scanned now is recorded {r}"
                )
            }
            BatchEnded { result } => {
                let r = test_result_name(*result, lang);
                say!(
                    lang,
                    "一括入力「{r}」を終えました",
                    "the batch of {r} results ended"
                )
            }
            AlreadyResulted { id, result } => {
                let r = test_result_name(*result, lang);
                say!(
                    lang,
                    "採取管 {id} の結果「{r}」は入力済みです。何も記録していません",
                    "tube {id} already has the result {r}; nothing was recorded"
                )
            }
            NotReceived { id } => say!(
                lang,
                "採取管 {id} はまだ検査機関で受領されていません。梱包を受領してから結果を入力してください",
                "tube {id} has not been received at the lab yet: receive its package first"
            ),
            CorrectOnResultsPage {
                id,
                current,
                result,
            } => {
                let c = test_result_name(*current, lang);
                let r = test_result_name(*result, lang);
                say!(
                    lang,
                    "採取管 {id} の結果はすでに「{c}」です。「{r}」への訂正は、結果一覧の画面で理由を書いて行ってください（スキャンでは理由を入力できません）",
                    "tube {id} already has the result {c}: correct it to {r} on the results page, with a reason (a scan cannot give one)"
                )
            }
            NotRegisteredTube { code } => say!(
                lang,
                "{code:?} は登録済みの採取管ではありません",
                "{code:?} is not a registered tube"
            ),
            DeviceGarbage { discarded, preview } => say!(
                lang,
                "読み取れないデータ {discarded} バイトを破棄しました（{preview}）。通信速度やパリティの設定を確かめてください",
                "dropped {discarded} unreadable bytes ({preview}); check the baud rate and parity"
            ),
            DeviceTooLong { limit, preview } => say!(
                lang,
                "{limit} バイトを超えるデータを破棄しました（{preview}）",
                "dropped a line longer than {limit} bytes ({preview})"
            ),
            DeviceHalfFrame {
                cause,
                discarded,
                preview,
            } => {
                let why = half_frame_cause(cause, lang);
                say!(
                    lang,
                    "途中で切れたデータ {discarded} バイトを破棄しました（{why}: {preview}）",
                    "dropped a half-sent scan of {discarded} bytes ({why}: {preview})"
                )
            }
        }
    }
}

#[cfg(test)]
pub(super) fn samples() -> Vec<ScanMsg> {
    use ScanMsg::*;
    let s = |v: &str| v.to_string();
    let mut all = vec![
        Cancelled,
        UnexpectedScan {
            kind: s("location"),
            workflow: s("reception"),
        },
        PatientScanned { patient: s("P-1") },
        NewTube { id: s("T-1") },
        TubeAlreadyRegistered { id: s("T-1") },
        NotATubeId {
            reason: Box::new(Msg::Input(super::InputMsg::FieldUntrimmed {
                field: s("specimen_id"),
            })),
        },
        KitScanned {
            gtin: s("04912345000019"),
            description: Some(s("VTM kit")),
            lot: Some(s("LOT1")),
        },
        KitScanned {
            gtin: s("04912345000019"),
            description: None,
            lot: None,
        },
        TubeToStore { id: s("T-1") },
        LocationToFill { code: s("F-1") },
        NeitherTubeNorLocation { code: s("X") },
        Stored {
            id: s("T-1"),
            location: s("F-1"),
        },
        PackingPackage {
            id: s("P"),
            count: 2,
        },
        PackageClosedForPacking {
            id: s("P"),
            status: s("dispatched"),
        },
        NewPackage { id: s("P") },
        Packed {
            id: s("T-1"),
            count: 2,
        },
        Dispatched { id: s("P") },
        PackageFirst,
        NotTubeOrPackage { code: s("X") },
        Ticked {
            item: ChecklistItem::SecondaryAbsorbent,
            left: 3,
        },
        Unticked {
            item: ChecklistItem::SecondaryAbsorbent,
            left: 4,
        },
        Received {
            id: s("P"),
            count: 2,
        },
        AlreadyReceived { id: s("P") },
        DuplicateScan { first: 3 },
        NotRecorded,
        ReceptionCancelled {
            patient: None,
            specimen_id: None,
        },
        ReceptionCancelled {
            patient: Some(s("P-1")),
            specimen_id: Some(s("T-1")),
        },
        SamePatient { patient: s("P-1") },
        SameTube { id: s("T-1") },
        PatientNotTube {
            scanned: s("P-1"),
            patient: s("P-1"),
        },
        PatientNotTube {
            scanned: s("P-2"),
            patient: s("P-1"),
        },
        PatientInProgress {
            scanned: s("P-2"),
            patient: s("P-1"),
            specimen_id: s("T-1"),
        },
        SecondTube {
            scanned: s("T-2"),
            current: s("T-1"),
        },
        UnrecognisedCode { code: s("X") },
        AmbiguousCode { code: s("P1") },
        DraftRegistered { id: s("T-1") },
        DraftExpired {
            seconds: 600,
            patient: Some(s("P-1")),
            specimen_id: None,
        },
        DraftExpired {
            seconds: 90,
            patient: None,
            specimen_id: Some(s("T-1")),
        },
        StationNotForRole {
            role: Role::Reception,
            station: s("packing-1"),
            workflow: s("packing"),
        },
        BadgeAwaitingPin {
            name: s("tanaka"),
            ended: None,
        },
        BadgeAwaitingPin {
            name: s("tanaka"),
            ended: Some(s("suzuki")),
        },
        OperatorSignedIn { name: s("tanaka") },
        OperatorSignedOut { name: s("tanaka") },
        OperatorIdle {
            name: s("tanaka"),
            minutes: 15,
        },
        OperatorDisabled { name: s("tanaka") },
        UnknownBadge { label: s("K7MP") },
        OperatorRequired {
            station: s("reception-1"),
        },
        ResultTube {
            id: s("T-1"),
            current: None,
        },
        ResultTube {
            id: s("T-1"),
            current: Some(TestResult::Negative),
        },
        ResultRecorded {
            id: s("T-1"),
            result: TestResult::Negative,
            pending: false,
        },
        ResultRecorded {
            id: s("T-1"),
            result: TestResult::Inconclusive,
            pending: true,
        },
        BatchStarted {
            result: TestResult::Negative,
        },
        BatchEnded {
            result: TestResult::Invalid,
        },
        AlreadyResulted {
            id: s("T-1"),
            result: TestResult::Negative,
        },
        NotReceived { id: s("T-1") },
        CorrectOnResultsPage {
            id: s("T-1"),
            current: TestResult::Negative,
            result: TestResult::Positive,
        },
        NotRegisteredTube { code: s("X-9") },
        DeviceGarbage {
            discarded: 9,
            preview: s("\\x00NOISE"),
        },
        DeviceTooLong {
            limit: 4096,
            preview: s("7777"),
        },
        DeviceHalfFrame {
            cause: s("silence"),
            discarded: 6,
            preview: s("P-HALF"),
        },
    ];
    all.extend(Step::ALL.into_iter().map(|step| Next { step }));
    for m in &all {
        match m {
            Cancelled
            | UnexpectedScan { .. }
            | PatientScanned { .. }
            | NewTube { .. }
            | TubeAlreadyRegistered { .. }
            | NotATubeId { .. }
            | KitScanned { .. }
            | TubeToStore { .. }
            | LocationToFill { .. }
            | NeitherTubeNorLocation { .. }
            | Stored { .. }
            | PackingPackage { .. }
            | PackageClosedForPacking { .. }
            | NewPackage { .. }
            | Packed { .. }
            | Dispatched { .. }
            | PackageFirst
            | NotTubeOrPackage { .. }
            | Ticked { .. }
            | Unticked { .. }
            | Received { .. }
            | AlreadyReceived { .. }
            | DuplicateScan { .. }
            | NotRecorded
            | Next { .. }
            | ReceptionCancelled { .. }
            | SamePatient { .. }
            | SameTube { .. }
            | PatientNotTube { .. }
            | PatientInProgress { .. }
            | SecondTube { .. }
            | UnrecognisedCode { .. }
            | AmbiguousCode { .. }
            | DraftRegistered { .. }
            | DraftExpired { .. }
            | StationNotForRole { .. }
            | BadgeAwaitingPin { .. }
            | OperatorSignedIn { .. }
            | OperatorSignedOut { .. }
            | OperatorIdle { .. }
            | OperatorDisabled { .. }
            | UnknownBadge { .. }
            | OperatorRequired { .. }
            | ResultTube { .. }
            | ResultRecorded { .. }
            | BatchStarted { .. }
            | BatchEnded { .. }
            | AlreadyResulted { .. }
            | NotReceived { .. }
            | CorrectOnResultsPage { .. }
            | NotRegisteredTube { .. }
            | DeviceGarbage { .. }
            | DeviceTooLong { .. }
            | DeviceHalfFrame { .. } => {}
        }
    }
    all
}
