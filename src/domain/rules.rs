//! The catalogue of rules: one entry per [`RuleCode`], and everything
//! kentai says about a code reads from it.
//!
//! An entry holds what a person, a page and a reviewer need to know of one
//! code: whether it refuses, warns, flags or is a plain error; at which
//! steps a written reason may lift it; its title in Japanese and English;
//! the section of the national specimen manual it comes from; and the
//! function that decides it. `docs/RULES.md` is rendered from here (a test
//! keeps it current), so the table a reviewer reads is the table the code
//! obeys.
//!
//! [`rule`] matches every code, so a new code does not compile until it
//! has its entry.

use super::codes::RuleCode;
use super::messages::Lang;
use super::roles::{Action, Role};

/// The part of kentai a rule belongs to (a table of `docs/RULES.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Registration,
    Kits,
    Storage,
    Packaging,
    Results,
    Patients,
    Scanning,
    Requests,
}

impl Area {
    pub const ALL: [Area; 8] = [
        Area::Registration,
        Area::Kits,
        Area::Storage,
        Area::Packaging,
        Area::Results,
        Area::Patients,
        Area::Scanning,
        Area::Requests,
    ];

    fn heading(self) -> &'static str {
        match self {
            Area::Registration => "Registration at reception",
            Area::Kits => "Collection kits",
            Area::Storage => "Storage until transport",
            Area::Packaging => "Packing, dispatch and receiving",
            Area::Results => "Results",
            Area::Patients => "Patients",
            Area::Scanning => "Scanning",
            Area::Requests => "Requests, users and access",
        }
    }
}

/// What a code does to the action it answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// The action is refused (422 or 409); [`Rule::override_at`] says
    /// where a written reason may lift it.
    Refusal,
    /// The action goes through, with the warning beside the answer.
    Warning,
    /// Refused in one case and warned in another: site policy, the site's
    /// freezers or the step decide ([`Rule::says`] tells which).
    RefusalOrWarning,
    /// A mark a report shows; nothing is refused.
    Flag,
    /// A request kentai cannot act on: malformed, unknown, conflicting or
    /// not allowed.
    Error,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Refusal => "refusal",
            Kind::Warning => "warning",
            Kind::RefusalOrWarning => "refusal or warning",
            Kind::Flag => "flag",
            Kind::Error => "error",
        }
    }
}

/// A step at which a refusal can be lifted with a written reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Registering a specimen at reception.
    Registration,
    /// Recording a storage event.
    Storage,
    /// Putting a tube into a package.
    Packing,
    /// Dispatching a package.
    Dispatch,
    /// Ticking the packaging checklist.
    Checklist,
    /// Recording a result.
    Results,
}

impl Step {
    fn name(self) -> &'static str {
        match self {
            Step::Registration => "registration",
            Step::Storage => "storage",
            Step::Packing => "packing",
            Step::Dispatch => "dispatch",
            Step::Checklist => "checklist",
            Step::Results => "results",
        }
    }
}

/// Where a rule comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A section of the national specimen manual (2019-nCoV 検体採取・輸送
    /// マニュアル, 2020-06-02 revision), by its heading.
    Manual(&'static str),
    /// kentai's own: what keeps the records sound, or a choice the manual
    /// leaves to the site.
    Kentai,
}

/// The manual's sections, by the headings it gives them.
///
/// The sending priority, saliva to about day 9, the −80 °C table (serum
/// timing, 要相談) and the note that other types detect less well.
const SPECIMENS: &str = "【SARS-CoV-2 感染の有無を確認するためにウイルス検査で主に用いる検体】";
/// Swab material and containers.
const COLLECTION: &str = "【検体採取時の留意点】";
/// On ice or at 4 °C; frozen at −80 °C past 48 hours; −20 °C without one.
const UNTIL_TRANSPORT: &str = "【検体輸送まで】";
/// Basic triple packaging, items 1 to 5, and the slip's fields (3. 注2).
const TRIPLE_PACKAGING: &str = "【別紙】 基本三重梱包の手順と輸送";
const SECONDARY: &str = "【別紙】 2. 二次容器への収納 注2";
const OVERPACK: &str = "【別紙】 4. オーバーパック（オプション）への収納";
/// The notice sent with the manual: protective equipment by procedure.
const INFECTION_CONTROL: &str = "「新型コロナウイルス感染症に対する感染管理」 2 IV";

const AT_REGISTRATION: &[Step] = &[Step::Registration];
const AT_STORAGE: &[Step] = &[Step::Storage];
const AT_PACKING_AND_DISPATCH: &[Step] = &[Step::Packing, Step::Dispatch];
const AT_DISPATCH: &[Step] = &[Step::Dispatch];

/// One code's entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub code: RuleCode,
    pub area: Area,
    pub kind: Kind,
    /// The steps at which a role that may [`Action::Override`] lifts the
    /// refusal with a written reason; empty where nobody may.
    pub override_at: &'static [Step],
    /// The title a desk, a report's 注記 or a slip names the code by.
    pub ja: &'static str,
    pub en: &'static str,
    pub source: Source,
    /// The function that decides it, as a path below `src/`.
    pub evaluated_by: &'static str,
    /// What kentai does, in a sentence.
    pub says: &'static str,
}

impl Rule {
    pub fn title(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Ja => self.ja,
            Lang::En => self.en,
        }
    }
}

/// Whether a written reason lifts `code`'s refusal at `step`.
pub fn may_override(code: RuleCode, step: Step) -> bool {
    rule(code).override_at.contains(&step)
}

/// The entry of `code`.
#[rustfmt::skip]
pub fn rule(code: RuleCode) -> Rule {
    use Area::*;
    use Kind::*;
    use RuleCode::*;
    use Source::*;
    match code {
        InvalidInput => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "入力の形式が正しくありません",
            en: "Invalid input",
            source: Kentai,
            evaluated_by: "actions::ActionError::invalid",
            says: "A request kentai cannot read or that names something impossible (a malformed body, a field out of range).",
        },
        InvalidBarcode => Rule {
            code, area: Kits, kind: Error, override_at: &[],
            ja: "バーコードを読み取れません",
            en: "Unreadable barcode",
            source: Kentai,
            evaluated_by: "actions::kits::label_of",
            says: "A kit label that is not a valid GS1 element string (a GTIN with a wrong check digit, an impossible expiry date).",
        },
        OnsetAfterCollection => Rule {
            code, area: Registration, kind: Refusal, override_at: &[],
            ja: "発症日が採取日より後",
            en: "Onset after collection",
            source: Kentai,
            evaluated_by: "domain::timing::check_dates",
            says: "Days since onset count from the onset day as day 0 in the site's time zone; an onset date after the collection date is refused, and nothing else is judged on it.",
        },
        CollectionInFuture => Rule {
            code, area: Registration, kind: Refusal, override_at: &[],
            ja: "採取日時が未来",
            en: "Collection time in the future",
            source: Kentai,
            evaluated_by: "domain::timing::check_dates",
            says: "A collection time later than now (beyond the clock skew site policy allows) is refused.",
        },
        SalivaWindowExceeded => Rule {
            code, area: Registration, kind: Refusal, override_at: AT_REGISTRATION,
            ja: "発症後10日目以降の唾液",
            en: "Saliva from day 10 after onset",
            source: Manual(SPECIMENS),
            evaluated_by: "domain::timing::saliva_window",
            says: "Saliva is accepted up to day 9 after onset (the limit is site policy); from day 10 it is refused. An override is kept as a flag and shown in every report.",
        },
        SalivaOnsetUnknown => Rule {
            code, area: Registration, kind: RefusalOrWarning, override_at: AT_REGISTRATION,
            ja: "発症日不明の唾液",
            en: "Saliva without an onset date",
            source: Kentai,
            evaluated_by: "domain::timing::saliva_window",
            says: "The manual is silent on saliva without an onset date (onset unknown or asymptomatic): site policy `saliva_without_onset` accepts it with a flag (the default) or refuses it.",
        },
        SerumTiming => Rule {
            code, area: Registration, kind: Refusal, override_at: &[],
            ja: "血清の採取時期",
            en: "Serum collection timing",
            source: Manual(SPECIMENS),
            evaluated_by: "domain::timing::serum_timing",
            says: "Acute serum is collected within 7 days of onset, convalescent serum 14 days or more after; serum outside its window, or without an onset date, is refused as mislabelled.",
        },
        KitExpired => Rule {
            code, area: Kits, kind: Refusal, override_at: &[],
            ja: "使用期限切れのキット",
            en: "Expired kit",
            source: Kentai,
            evaluated_by: "domain::kits::evaluate",
            says: "A kit whose expiry date (from its GS1 label) is before the collection date is refused; no written reason lifts it.",
        },
        KitSwabMaterial => Rule {
            code, area: Kits, kind: Warning, override_at: &[],
            ja: "スワブの材質",
            en: "Swab material",
            source: Manual(COLLECTION),
            evaluated_by: "domain::kits::evaluate",
            says: "Flocked, rayon or polyester swabs are recommended; a kit catalogued with a cotton or wooden-shaft swab is a warning at registration.",
        },
        KitTypeMismatch => Rule {
            code, area: Kits, kind: Warning, override_at: &[],
            ja: "キットと検体の種類の不一致",
            en: "Kit for another specimen type",
            source: Kentai,
            evaluated_by: "domain::kits::evaluate",
            says: "A catalogued kit made for another specimen type than the one registered is a warning.",
        },
        UnknownKit => Rule {
            code, area: Kits, kind: Warning, override_at: &[],
            ja: "未登録のキット",
            en: "Kit not in the catalog",
            source: Kentai,
            evaluated_by: "domain::kits::evaluate",
            says: "A kit GTIN the kit catalog does not know: a warning at registration (its swab and type were not checked); 404 when the catalog is asked for it.",
        },
        DuplicateKit => Rule {
            code, area: Kits, kind: Error, override_at: &[],
            ja: "登録済みのキット",
            en: "Kit already catalogued",
            source: Kentai,
            evaluated_by: "actions::kits::duplicate",
            says: "The kit catalog already holds this GTIN with different details.",
        },
        DuplicateSpecimen => Rule {
            code, area: Registration, kind: Error, override_at: &[],
            ja: "登録済みの検体番号",
            en: "Specimen id already registered",
            source: Kentai,
            evaluated_by: "actions::specimens::register",
            says: "A specimen id is registered once.",
        },
        DuplicateLocation => Rule {
            code, area: Storage, kind: Error, override_at: &[],
            ja: "登録済みの保管場所",
            en: "Location already exists",
            source: Kentai,
            evaluated_by: "actions::locations::create",
            says: "A location code already exists with another name or class.",
        },
        DuplicateUser => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "同じ名前の利用者",
            en: "User already exists",
            source: Kentai,
            evaluated_by: "actions::users::create_user",
            says: "A user name is taken.",
        },
        UnknownSpecimen => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "登録されていない検体",
            en: "Unknown specimen",
            source: Kentai,
            evaluated_by: "actions::views::unknown_specimen",
            says: "No specimen with this id.",
        },
        UnknownLocation => Rule {
            code, area: Storage, kind: Error, override_at: &[],
            ja: "登録されていない保管場所",
            en: "Unknown location",
            source: Kentai,
            evaluated_by: "actions::locations::unknown_location",
            says: "No location with this code.",
        },
        UnknownPackage => Rule {
            code, area: Packaging, kind: Error, override_at: &[],
            ja: "登録されていない梱包",
            en: "Unknown package",
            source: Kentai,
            evaluated_by: "actions::packages::load::unknown_package",
            says: "No package with this id.",
        },
        PriorityViolation => Rule {
            code, area: Packaging, kind: Refusal, override_at: AT_PACKING_AND_DISPATCH,
            ja: "送付優先順位",
            en: "Sending priority",
            source: Manual(SPECIMENS),
            evaluated_by: "domain::packaging::check_priority",
            says: "Packing a specimen while the same patient has an unshipped specimen of higher sending priority (lower respiratory 1, nasopharyngeal swab 2, saliva 3) outside the package is refused; checked again at dispatch.",
        },
        DryIceInSecondary => Rule {
            code, area: Packaging, kind: Refusal, override_at: &[],
            ja: "二次容器にドライアイス",
            en: "Dry ice in the secondary",
            source: Manual(SECONDARY),
            evaluated_by: "domain::packaging::check_tick",
            says: "Dry ice never goes in the secondary container: it is sealed and would burst. Refused outright.",
        },
        DryIceWithoutOverpack => Rule {
            code, area: Packaging, kind: Warning, override_at: &[],
            ja: "オーバーパックなしのドライアイス",
            en: "Dry ice without an overpack",
            source: Manual(OVERPACK),
            evaluated_by: "actions::packages::checklist::tick",
            says: "Dry ice goes inside an insulated overpack, outside the secondary; ticking dry ice before the insulated box warns.",
        },
        PackageIncomplete => Rule {
            code, area: Packaging, kind: Refusal, override_at: &[],
            ja: "梱包のチェックリストが未完了",
            en: "Package incomplete",
            source: Manual(TRIPLE_PACKAGING),
            evaluated_by: "domain::packaging::missing",
            says: "Dispatch is refused until every required checklist item of the triple packaging is done and every shipping-slip field is known (a Yu-Pack package also needs its certified packer); the refusal lists what is missing.",
        },
        PackageDispatched => Rule {
            code, area: Packaging, kind: Error, override_at: &[],
            ja: "発送済みの梱包",
            en: "Package already dispatched",
            source: Kentai,
            evaluated_by: "actions::packages::load::dispatched",
            says: "A dispatched package is not changed any more.",
        },
        PackageNotDispatched => Rule {
            code, area: Packaging, kind: Error, override_at: &[],
            ja: "未発送の梱包",
            en: "Package not dispatched",
            source: Kentai,
            evaluated_by: "actions::packages::receive::receive",
            says: "Only a dispatched package can be received.",
        },
        AlreadyPacked => Rule {
            code, area: Packaging, kind: Error, override_at: &[],
            ja: "すでに梱包に入っている検体",
            en: "Already packed",
            source: Kentai,
            evaluated_by: "actions::packages::add::add_specimen",
            says: "A tube is in one package at a time.",
        },
        NotInPackage => Rule {
            code, area: Packaging, kind: Error, override_at: &[],
            ja: "梱包に入っていない検体",
            en: "Not in the package",
            source: Kentai,
            evaluated_by: "actions::packages::add::not_in_package",
            says: "The tube named is not in this package.",
        },
        NotInCare => Rule {
            code, area: Storage, kind: Error, override_at: &[],
            ja: "保管中ではない検体",
            en: "Not in care",
            source: Kentai,
            evaluated_by: "domain::lifecycle::SpecimenStatus::may_become",
            says: "A tube already shipped, received or reported missing is not stored or packed again.",
        },
        SiteNotConfigured => Rule {
            code, area: Packaging, kind: Error, override_at: &[],
            ja: "施設の設定が不足",
            en: "Site not configured",
            source: Kentai,
            evaluated_by: "actions::packages::open::next_sscc",
            says: "A package's SSCC needs the site's GS1 company prefix in kentai.toml.",
        },
        StorageDeadlineExceeded => Rule {
            code, area: Storage, kind: RefusalOrWarning, override_at: AT_DISPATCH,
            ja: "未凍結48時間超過",
            en: "Unfrozen 48 hours or more",
            source: Manual(UNTIL_TRANSPORT),
            evaluated_by: "domain::storage::deadline_exceeded",
            says: "A specimen whose transport cannot start within 48 hours of collection is frozen at −80 °C: 48 hours or more unfrozen (the limit is site policy) warns at storage and at packing, and refuses dispatch unless a written reason is given.",
        },
        FreezeOrShipDue => Rule {
            code, area: Storage, kind: Warning, override_at: &[],
            ja: "凍結または発送の期限",
            en: "Freeze or ship soon",
            source: Manual(UNTIL_TRANSPORT),
            evaluated_by: "domain::storage::alerts",
            says: "The freeze-or-ship deadline is near (within the alert lead time, site policy, 12 hours by default): an alert on the lab's list.",
        },
        AmbientTooLong => Rule {
            code, area: Storage, kind: Warning, override_at: &[],
            ja: "室温保管の時間超過",
            en: "Too long at room temperature",
            source: Manual(UNTIL_TRANSPORT),
            evaluated_by: "domain::storage::check_placement",
            says: "Specimens go on ice or at 4 °C as soon as possible: a respiratory specimen at room temperature past the grace period (site policy, 60 minutes by default) warns.",
        },
        FreezeThaw => Rule {
            code, area: Storage, kind: Warning, override_at: &[],
            ja: "凍結融解",
            en: "Freeze–thaw cycle",
            source: Kentai,
            evaluated_by: "domain::storage::check_placement",
            says: "A frozen specimen stored warmer is a freeze–thaw cycle: warned, counted, and shown with the specimen and in reports.",
        },
        Minus20Fallback => Rule {
            // Full-width minus (U+FF0D): what Shift_JIS reports can hold.
            code, area: Storage, kind: RefusalOrWarning, override_at: AT_STORAGE,
            ja: "－20℃保管（－80℃の代替）",
            en: "−20 °C storage (instead of −80 °C)",
            source: Manual(UNTIL_TRANSPORT),
            evaluated_by: "domain::storage::check_placement",
            says: "−20 °C is for sites without a −80 °C freezer: there it is allowed and flagged; at a site with one it is refused (a written reason lifts it, say for a broken freezer).",
        },
        WrongStorageClass => Rule {
            code, area: Storage, kind: Warning, override_at: &[],
            ja: "保管温度の誤り",
            en: "Wrong storage temperature",
            source: Manual(SPECIMENS),
            evaluated_by: "domain::storage::check_placement",
            says: "Serum, stool, whole blood, urine and autopsy tissue belong at −80 °C or below: stored warmer, they warn.",
        },
        ConsultationRequired => Rule {
            code, area: Packaging, kind: Refusal, override_at: &[],
            ja: "要相談",
            en: "Consultation required",
            source: Manual(SPECIMENS),
            evaluated_by: "domain::packaging::check_consultation",
            says: "Autopsy tissue is packed only after a consultation with the testing lab is recorded (要相談).",
        },
        NoRespiratorySpecimen => Rule {
            code, area: Registration, kind: Warning, override_at: &[],
            ja: "呼吸器検体なし",
            en: "No respiratory specimen",
            source: Manual(SPECIMENS),
            evaluated_by: "domain::registration::respiratory_in_episode",
            says: "The non-respiratory types detect less well: one registered while the patient has no respiratory specimen within the episode (site policy, days) warns.",
        },
        PpeIncomplete => Rule {
            code, area: Registration, kind: RefusalOrWarning, override_at: &[],
            ja: "個人防護具の不備",
            en: "Protective equipment incomplete",
            source: Manual(INFECTION_CONTROL),
            evaluated_by: "domain::ppe::check_ppe",
            says: "The protective equipment the specimen type needs at collection (saliva: surgical mask and gloves; swabs: mask, eye protection, gown, gloves; lower respiratory: an N95-class mask instead) is recorded; site policy `ppe` makes a gap a warning, a refusal, or nothing.",
        },
        ResultBeforeCollection => Rule {
            code, area: Results, kind: Refusal, override_at: &[],
            ja: "採取前の結果",
            en: "Result before collection",
            source: Kentai,
            evaluated_by: "domain::results::check_result_time",
            says: "A result dated before its specimen's collection is refused.",
        },
        PatientMismatch => Rule {
            code, area: Patients, kind: Error, override_at: &[],
            ja: "登録済みの患者情報と不一致",
            en: "Patient details differ from the record",
            source: Kentai,
            evaluated_by: "actions::patients::mismatch",
            says: "A known patient registered again with identity details that differ from the record: the differing fields are listed.",
        },
        UnknownPatient => Rule {
            code, area: Patients, kind: Error, override_at: &[],
            ja: "登録されていない患者",
            en: "Unknown patient",
            source: Kentai,
            evaluated_by: "actions::patients::unknown_patient",
            says: "No patient with this number at this facility.",
        },
        PatientCorrected => Rule {
            code, area: Patients, kind: Flag, override_at: &[],
            ja: "患者情報の訂正",
            en: "Patient details corrected",
            source: Kentai,
            evaluated_by: "actions::reports::row_of",
            says: "A report's flag: the patient's identity was corrected after registration, and the report shows the current identity.",
        },
        UnknownStation => Rule {
            code, area: Scanning, kind: Error, override_at: &[],
            ja: "設定されていないステーション",
            en: "Unknown station",
            source: Kentai,
            evaluated_by: "scanning::ScanService::station",
            says: "A scan names a station kentai.toml does not configure.",
        },
        DuplicateScan => Rule {
            code, area: Scanning, kind: Error, override_at: &[],
            ja: "同じコードの読み直し",
            en: "Same code read twice",
            source: Kentai,
            evaluated_by: "actions::scans::claim",
            says: "The same code read again by the same device within the duplicate window is journalled, not processed twice.",
        },
        UnexpectedScan => Rule {
            code, area: Scanning, kind: Error, override_at: &[],
            ja: "この段階では使えないスキャン",
            en: "Scan not expected here",
            source: Kentai,
            evaluated_by: "scanning::workflow::unexpected",
            says: "A scan the station's workflow has no use for at this step.",
        },
        UnrecognisedCode => Rule {
            code, area: Scanning, kind: Error, override_at: &[],
            ja: "患者とも採取管とも読めないコード",
            en: "Neither a patient nor a tube code",
            source: Kentai,
            evaluated_by: "scanning::workflow::reception",
            says: "A plain code the store does not know matches neither the patient nor the tube pattern.",
        },
        AmbiguousCode => Rule {
            code, area: Scanning, kind: Error, override_at: &[],
            ja: "患者とも採取管とも読めるコード",
            en: "Code reads as both patient and tube",
            source: Kentai,
            evaluated_by: "scanning::workflow::reception",
            says: "A plain code the store does not know matches both patterns: which one it is would be a guess.",
        },
        PatientNotTube => Rule {
            code, area: Scanning, kind: Error, override_at: &[],
            ja: "採取管ではなく患者のバーコード",
            en: "Patient code where the tube is expected",
            source: Kentai,
            evaluated_by: "scanning::workflow::reception",
            says: "A patient's barcode where reception waits for the tube is never taken as the tube.",
        },
        DraftInProgress => Rule {
            code, area: Scanning, kind: Error, override_at: &[],
            ja: "受付の途中",
            en: "Registration in progress",
            source: Kentai,
            evaluated_by: "scanning::workflow::reception",
            says: "Reception holds another unfinished registration: register it or start over first.",
        },
        OperatorRequired => Rule {
            code, area: Scanning, kind: Error, override_at: &[],
            ja: "担当者のサインインが必要",
            en: "Operator sign-in required",
            source: Kentai,
            evaluated_by: "scanning::ScanService::submit",
            says: "A station with require_operator takes no scanner's scan while nobody is signed in at it; the scan is journalled and refused.",
        },
        UnknownBadge => Rule {
            code, area: Scanning, kind: Error, override_at: &[],
            ja: "使えない職員バッジ",
            en: "Unknown or revoked badge",
            source: Kentai,
            evaluated_by: "actions::badges::holder",
            says: "A staff badge kentai did not issue, or one that was revoked or reprinted.",
        },
        SelfLockout => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "自分自身は無効にできません",
            en: "Cannot disable yourself",
            source: Kentai,
            evaluated_by: "actions::users::set_disabled",
            says: "An admin cannot disable their own user (another admin may).",
        },
        DuplicateTokenName => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "同じ名前の API トークン",
            en: "API token name in use",
            source: Kentai,
            evaluated_by: "actions::api_tokens::create",
            says: "A user's live API tokens (neither revoked nor expired) have different names.",
        },
        CorrectionReasonRequired => Rule {
            code, area: Results, kind: Refusal, override_at: &[],
            ja: "訂正の理由がありません",
            en: "Correction without a reason",
            source: Kentai,
            evaluated_by: "domain::results::check_correction",
            says: "A corrected result is a new version, never an overwrite: a different result, method or time than the standing one needs a written reason.",
        },
        SamePersonRelease => Rule {
            code, area: Results, kind: Refusal, override_at: &[],
            ja: "入力した本人による承認",
            en: "Released by the person who entered it",
            source: Kentai,
            evaluated_by: "domain::results::check_release",
            says: "A result is released (or returned) by a second person, not the one who entered it.",
        },
        NotAwaitingRelease => Rule {
            code, area: Results, kind: Refusal, override_at: &[],
            ja: "承認待ちではない結果",
            en: "Result not awaiting release",
            source: Kentai,
            evaluated_by: "domain::results::check_release",
            says: "Only an entered version waiting for release can be released or returned.",
        },
        CorrectedResult => Rule {
            code, area: Results, kind: Flag, override_at: &[],
            ja: "結果訂正",
            en: "Result corrected",
            source: Kentai,
            evaluated_by: "actions::reports::row_of",
            says: "A report's flag: the result shown corrects an earlier one, with its reason.",
        },
        ResultPendingRelease => Rule {
            code, area: Results, kind: Flag, override_at: &[],
            ja: "結果承認待ち",
            en: "Result awaiting release",
            source: Kentai,
            evaluated_by: "actions::reports::row_of",
            says: "A report's flag: a result is entered and waits for a second person's release.",
        },
        AlreadyResulted => Rule {
            code, area: Results, kind: Error, override_at: &[],
            ja: "結果入力済み",
            en: "Result already recorded",
            source: Kentai,
            evaluated_by: "domain::results::at_desk",
            says: "A tube scanned at the result desk already has this result.",
        },
        NotReceived => Rule {
            code, area: Results, kind: Refusal, override_at: &[],
            ja: "検査機関で未受領",
            en: "Not yet received at the lab",
            source: Kentai,
            evaluated_by: "domain::results::at_desk",
            says: "At a site that receives tubes before testing them, a tube is resulted only after its package was received.",
        },
        RunControlsFailed => Rule {
            code, area: Results, kind: Refusal, override_at: &[],
            ja: "精度管理（コントロール）不合格",
            en: "Run controls failed",
            source: Kentai,
            evaluated_by: "actions::imports::control_notice",
            says: "An instrument run whose control wells failed records nothing.",
        },
        ImportDecisionsNeeded => Rule {
            code, area: Results, kind: Error, override_at: &[],
            ja: "取り込みの判断が必要",
            en: "Import needs decisions",
            source: Kentai,
            evaluated_by: "actions::imports::commit",
            says: "An import is committed only with a decision for every sample its preview listed as a problem.",
        },
        UnknownImport => Rule {
            code, area: Results, kind: Error, override_at: &[],
            ja: "取り込みが見つかりません",
            en: "Unknown import",
            source: Kentai,
            evaluated_by: "actions::imports::load_import",
            says: "No instrument import with this id.",
        },
        UnknownAssay => Rule {
            code, area: Results, kind: Error, override_at: &[],
            ja: "設定されていない検査系",
            en: "Unknown assay",
            source: Kentai,
            evaluated_by: "actions::results::unknown_assay",
            says: "An assay kentai.toml does not configure.",
        },
        UnreadableFile => Rule {
            code, area: Results, kind: Error, override_at: &[],
            ja: "読み取れない結果ファイル",
            en: "Unreadable results file",
            source: Kentai,
            evaluated_by: "actions::imports::bad_file",
            says: "An instrument file kentai cannot read in the format named.",
        },
        UnknownPrinter => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "設定されていないプリンター",
            en: "Unknown printer",
            source: Kentai,
            evaluated_by: "actions::printing::printer",
            says: "A print request names a printer that no `[[printer]]` in kentai.toml configures.",
        },
        UnknownPrintJob => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "印刷ジョブが見つかりません",
            en: "Unknown print job",
            source: Kentai,
            evaluated_by: "actions::printing::retry",
            says: "No print job with this id.",
        },
        NotPrintableHere => Rule {
            code, area: Requests, kind: Refusal, override_at: &[],
            ja: "このプリンターでは印刷できない書類",
            en: "Document not printable on this printer",
            source: Kentai,
            evaluated_by: "actions::printing::render",
            says: "A label printer (`raw9100`, ZPL) prints labels and the command sheet, not the A4 slip; an IPP queue prints tube and location labels and the command sheet as PNG, not the package label or the slip.",
        },
        TooManyAttempts => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "試行回数の超過",
            en: "Too many attempts",
            source: Kentai,
            evaluated_by: "http::auth::too_many",
            says: "Too many wrong tokens from one address: wait (`Retry-After`).",
        },
        RequestTimeout => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "送信が遅すぎます",
            en: "Request too slow",
            source: Kentai,
            evaluated_by: "http::intake::timeout_error",
            says: "A request body that did not arrive in time.",
        },
        TooManyConnections => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "接続数の超過",
            en: "Too many connections",
            source: Kentai,
            evaluated_by: "http::intake::refusal_error",
            says: "One address, or all clients together, hold every connection or body read allowed: try again shortly.",
        },
        Unauthorized => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "ログインが必要です",
            en: "Sign-in required",
            source: Kentai,
            evaluated_by: "http::error::AppError::unauthorized",
            says: "No valid token or session.",
        },
        Forbidden => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "この役割ではできない操作",
            en: "Not allowed for this role",
            source: Kentai,
            evaluated_by: "domain::roles::Role::may",
            says: "The role may not do this.",
        },
        NotFound => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "見つかりません",
            en: "Not found",
            source: Kentai,
            evaluated_by: "http::error::AppError::not_found",
            says: "No such thing.",
        },
        Internal => Rule {
            code, area: Requests, kind: Error, override_at: &[],
            ja: "サーバー内部のエラー",
            en: "Internal error",
            source: Kentai,
            evaluated_by: "actions::ActionError::code",
            says: "Something failed inside kentai (the store, a write); the log says what.",
        },
    }
}

/// Every entry, in the order the codes are declared.
pub fn all() -> impl Iterator<Item = Rule> {
    RuleCode::ALL.into_iter().map(rule)
}

/// `docs/RULES.md`: the catalogue as a reviewer reads it.
pub fn markdown() -> String {
    let overriders: Vec<&str> = Role::ALL
        .into_iter()
        .filter(|r| r.may(Action::Override))
        .map(Role::code)
        .collect();
    let mut out = String::from(
        "# kentai's rules\n\
         \n\
         <!-- Rendered from src/domain/rules.rs; do not edit. After changing the\n\
         catalogue: KENTAI_BLESS=1 cargo test -p kentai-domain rules:: -->\n\
         \n\
         Every code kentai answers with, area by area: whether it refuses, warns,\n\
         flags a record or is a plain error; where a written reason lifts a\n\
         refusal; its title in Japanese and English; the section of the national\n\
         specimen manual it comes from (2019-nCoV（新型コロナウイルス）感染を疑う\n\
         患者の検体採取・輸送マニュアル, 2020-06-02 revision, and the notices sent\n\
         with it), by the manual's own headings; and the function that decides it,\n\
         as a path below `src/`. \"kentai\" in the manual column marks a rule of\n\
         kentai's own: what keeps the records sound, or a choice the manual leaves\n\
         to the site.\n\
         \n",
    );
    out.push_str(&format!(
        "An override is a written reason from a user whose role may override ({}); \
         the reason is kept with the record and shown in every report. A refusal \
         without an override step is never lifted.\n",
        overriders.join(", ")
    ));
    for area in Area::ALL {
        out.push_str(&format!(
            "\n## {}\n\n\
             | code | kind | override at | 日本語 | English | the rule | manual | decided by |\n\
             | --- | --- | --- | --- | --- | --- | --- | --- |\n",
            area.heading()
        ));
        for r in all().filter(|r| r.area == area) {
            let steps: Vec<&str> = r.override_at.iter().map(|s| s.name()).collect();
            let steps = if steps.is_empty() {
                "—".to_string()
            } else {
                steps.join(", ")
            };
            let source = match r.source {
                Source::Manual(section) => section,
                Source::Kentai => "kentai",
            };
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} | {} | {} | `{}` |\n",
                r.code,
                r.kind.name(),
                steps,
                r.ja,
                r.en,
                r.says,
                source,
                r.evaluated_by
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::{Path, PathBuf};

    /// The workspace: this crate lives in `src/domain/` of it.
    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
    }

    #[test]
    fn docs_rules_md_is_the_catalogue_as_rendered() {
        let path = root().join("docs/RULES.md");
        let want = markdown();
        if std::env::var_os("KENTAI_BLESS").is_some() {
            std::fs::write(&path, &want).unwrap();
            return;
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            have == want,
            "docs/RULES.md is not the catalogue of src/domain/rules.rs as rendered; \
             regenerate it with: KENTAI_BLESS=1 cargo test -p kentai-domain rules::"
        );
    }

    /// Japanese text holds at least one kana or kanji.
    fn is_japanese(s: &str) -> bool {
        s.chars().any(|c| {
            ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c)
        })
    }

    #[test]
    fn every_rule_code_has_a_title_in_japanese_and_in_english() {
        for r in all() {
            assert!(is_japanese(r.ja), "{}: Japanese title {:?}", r.code, r.ja);
            assert!(
                !r.en.is_empty() && !is_japanese(r.en),
                "{}: English title {:?}",
                r.code,
                r.en
            );
            assert_eq!(rule(r.code).code, r.code);
        }
    }

    /// The file a module path names below `src/`, and the function after it.
    fn located(path: &str) -> Option<(PathBuf, &str)> {
        let segments: Vec<&str> = path.split("::").collect();
        let (name, modules) = segments.split_last()?;
        (1..=modules.len()).rev().find_map(|k| {
            let dir = root().join("src").join(modules[..k].join("/"));
            [dir.with_extension("rs"), dir.join("mod.rs")]
                .into_iter()
                .find(|f| Path::exists(f))
                .map(|f| (f, *name))
        })
    }

    #[test]
    fn every_deciding_function_is_where_the_catalogue_says() {
        for r in all() {
            let (file, name) = located(r.evaluated_by)
                .unwrap_or_else(|| panic!("{}: no file for {}", r.code, r.evaluated_by));
            let text = std::fs::read_to_string(&file).unwrap();
            assert!(
                text.contains(&format!("fn {name}(")) || text.contains(&format!("fn {name}<")),
                "{}: no fn {name} in {}",
                r.code,
                file.display()
            );
        }
    }

    #[test]
    fn only_a_refusal_can_be_overridden() {
        for r in all() {
            if !r.override_at.is_empty() {
                assert!(
                    matches!(r.kind, Kind::Refusal | Kind::RefusalOrWarning),
                    "{}",
                    r.code
                );
            }
        }
    }

    #[test]
    fn a_written_reason_lifts_a_refusal_only_at_the_steps_the_manual_allows() {
        use RuleCode::*;
        // (code, step, overridable): the saliva rules at reception (the
        // manual's day-10 line), −20 °C for a broken freezer, the sending
        // priority in the package and at dispatch, the 48-hour rule at
        // dispatch only; never an expired kit, 要相談 or dry ice in the
        // secondary.
        let cases = [
            (SalivaWindowExceeded, Step::Registration, true),
            (SalivaOnsetUnknown, Step::Registration, true),
            (KitExpired, Step::Registration, false),
            (SerumTiming, Step::Registration, false),
            (PpeIncomplete, Step::Registration, false),
            (Minus20Fallback, Step::Storage, true),
            (InvalidInput, Step::Storage, false),
            (PriorityViolation, Step::Packing, true),
            (PriorityViolation, Step::Dispatch, true),
            (ConsultationRequired, Step::Packing, false),
            (StorageDeadlineExceeded, Step::Packing, false),
            (StorageDeadlineExceeded, Step::Dispatch, true),
            (DryIceInSecondary, Step::Checklist, false),
        ];
        for (code, step, want) in cases {
            assert_eq!(may_override(code, step), want, "{code} at {step:?}");
        }
        let overridable: Vec<RuleCode> = all()
            .filter(|r| !r.override_at.is_empty())
            .map(|r| r.code)
            .collect();
        assert_eq!(
            overridable,
            [
                SalivaWindowExceeded,
                SalivaOnsetUnknown,
                PriorityViolation,
                StorageDeadlineExceeded,
                Minus20Fallback
            ]
        );
    }
}
