//! kentai's table of GS1 Application Identifiers: format, linters, FNC1,
//! Digital Link role, required and exclusive pairs.
//!
//! Written from the published facts (GS1 General Specifications and the
//! GS1 Barcode Syntax Dictionary); `tests/suite/gs1_dictionary.rs` checks every
//! entry against the dictionary release in `../shared/gs1/`.
//!
//! The table holds one entry per AI (the dictionary's ranges such as
//! 3100-3105 are spelled out), sorted. In GS1 the first two digits of an AI
//! decide its length, so a lookup reads two digits, picks the run of
//! entries with that prefix from an index built at compile time, and binary
//! searches it: no allocation, a handful of comparisons.

use super::linters::Linter;
use super::linters::Linter as L;

/// Character set of a component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cset {
    /// Digits.
    N,
    /// GS1 AI encodable character set 82.
    X,
    /// GS1 AI encodable character set 39.
    Y,
    /// base64url (character set 64).
    Z,
}

impl Cset {
    /// The linter that checks this character set.
    pub fn linter(self) -> Linter {
        match self {
            Cset::N => Linter::Csetnumeric,
            Cset::X => Linter::Cset82,
            Cset::Y => Linter::Cset39,
            Cset::Z => Linter::Cset64,
        }
    }
}

/// One component of an AI's data field: `N13,csum,gcppos1`, `[X..17]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component {
    pub cset: Cset,
    pub min: u8,
    pub max: u8,
    pub optional: bool,
    pub linters: &'static [Linter],
}

/// One AI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AiEntry {
    pub ai: &'static str,
    /// `*`: predefined length, no FNC1 separator needed after it.
    pub fixed_length: bool,
    /// `?`: allowed as a GS1 Digital Link data attribute.
    pub dl_attribute: bool,
    pub components: &'static [Component],
    /// Each `req=` attribute: one of its alternatives (OR) must be present,
    /// an alternative being patterns that must all be present (AND).
    /// Patterns: AIs, with `n` for any digit (`35nn`).
    pub req: &'static [&'static [&'static [&'static str]]],
    /// `ex=` patterns that may not appear with this AI.
    pub ex: &'static [&'static str],
    /// `dlpkey`: a Digital Link primary key, with its alternative ordered
    /// qualifier sequences (empty: no qualifiers).
    pub dlpkey: Option<&'static [&'static [&'static str]]>,
    pub title: &'static str,
}

impl AiEntry {
    /// The shortest value the components allow (optional ones left out).
    pub fn min_len(&self) -> usize {
        self.components
            .iter()
            .filter(|c| !c.optional)
            .map(|c| usize::from(c.min))
            .sum()
    }

    /// The longest value the components allow.
    pub fn max_len(&self) -> usize {
        self.components.iter().map(|c| usize::from(c.max)).sum()
    }

    const fn at(mut self, ai: &'static str) -> AiEntry {
        self.ai = ai;
        self
    }

    const fn with_req(mut self, req: &'static [&'static [&'static [&'static str]]]) -> AiEntry {
        self.req = req;
        self
    }

    const fn with_ex(mut self, ex: &'static [&'static str]) -> AiEntry {
        self.ex = ex;
        self
    }

    const fn with_dlpkey(mut self, qualifiers: &'static [&'static [&'static str]]) -> AiEntry {
        self.dlpkey = Some(qualifiers);
        self
    }
}

impl Component {
    const fn lint(mut self, linters: &'static [Linter]) -> Component {
        self.linters = linters;
        self
    }

    const fn opt(mut self) -> Component {
        self.optional = true;
        self
    }
}

/// One `req=` attribute: alternatives separated by commas, each the AIs
/// (or patterns) joined by `+` that must all be present.
macro_rules! req {
    ($($first:literal $(+ $more:literal)*),* $(,)?) => {
        &[$(&[$first $(, $more)*]),*]
    };
}

/// The table: each item lists the AIs that share one entry (a dictionary
/// range) and the entry; it expands to one entry per AI.
macro_rules! ai_table {
    ($([$($ai:literal)+] $entry:expr),* $(,)?) => {
        &[$($($entry.at($ai),)+)*]
    };
}

const fn component(cset: Cset, min: u8, max: u8) -> Component {
    Component {
        cset,
        min,
        max,
        optional: false,
        linters: &[],
    }
}

/// `Nk`: exactly `k` digits.
const fn n(len: u8) -> Component {
    component(Cset::N, len, len)
}

/// `N..k`: one to `k` digits.
const fn n_up_to(max: u8) -> Component {
    component(Cset::N, 1, max)
}

/// `Xk`: exactly `k` characters of set 82.
const fn x(len: u8) -> Component {
    component(Cset::X, len, len)
}

/// `X..k`: one to `k` characters of set 82.
const fn x_up_to(max: u8) -> Component {
    component(Cset::X, 1, max)
}

/// `Y..k`: one to `k` characters of set 39.
const fn y_up_to(max: u8) -> Component {
    component(Cset::Y, 1, max)
}

/// `Z..k`: one to `k` base64url characters.
const fn z_up_to(max: u8) -> Component {
    component(Cset::Z, 1, max)
}

/// The dictionary's flags: `*` (predefined length) and `?` (Digital Link
/// attribute).
struct Flags {
    fixed_length: bool,
    dl_attribute: bool,
}

const PLAIN: Flags = Flags {
    fixed_length: false,
    dl_attribute: false,
};
const FIXED: Flags = Flags {
    fixed_length: true,
    dl_attribute: false,
};
const DL: Flags = Flags {
    fixed_length: false,
    dl_attribute: true,
};
const FIXED_DL: Flags = Flags {
    fixed_length: true,
    dl_attribute: true,
};

/// An entry before its AI is set (ranges share one).
const fn e(flags: Flags, components: &'static [Component], title: &'static str) -> AiEntry {
    AiEntry {
        ai: "",
        fixed_length: flags.fixed_length,
        dl_attribute: flags.dl_attribute,
        components,
        req: &[],
        ex: &[],
        dlpkey: None,
        title,
    }
}

/// A measure's value: six digits.
const SIX_DIGITS: &[Component] = &[n(6)];

/// The measures of a trade item (net weight, its dimensions, …, 31nn,
/// 32nn, 35nn, 36nn): six digits, the AI's last digit placing the decimal
/// point; they need the item's GTIN (01 or 02); `ex` is the family itself,
/// so one value is not given twice with different decimals.
const fn trade_measure(title: &'static str, ex: &'static [&'static str]) -> AiEntry {
    e(FIXED_DL, SIX_DIGITS, title)
        .with_req(&[req!["01", "02"]])
        .with_ex(ex)
}

/// The measures of a logistic unit (gross weight, …, 33nn, 34nn, 35nn,
/// 36nn): as [`trade_measure`] but for an SSCC (00) or a GTIN (01).
const fn logistic_measure(title: &'static str, ex: &'static [&'static str]) -> AiEntry {
    e(FIXED_DL, SIX_DIGITS, title)
        .with_req(&[req!["00", "01"]])
        .with_ex(ex)
}

/// Kilograms per square metre (337n): a GTIN's property only.
const fn per_area_measure(title: &'static str, ex: &'static [&'static str]) -> AiEntry {
    e(FIXED_DL, SIX_DIGITS, title)
        .with_req(&[req!["01"]])
        .with_ex(ex)
}

/// One to five ISO 3166 country codes (the countries of a process).
const COUNTRY_LIST: &[Component] = &[
    n(3).lint(&[L::Iso3166]),
    n(3).lint(&[L::Iso3166]).opt(),
    n(3).lint(&[L::Iso3166]).opt(),
    n(3).lint(&[L::Iso3166]).opt(),
    n(3).lint(&[L::Iso3166]).opt(),
];

/// Every AI, in order; `pub(crate)` so that the parser can build its index
/// from it at compile time.
pub(crate) const TABLE: &[AiEntry] = ai_table![
    ["00"] e(FIXED_DL, &[n(18).lint(&[L::Csum, L::Gcppos2])], "SSCC")
        .with_dlpkey(&[&[]]),
    ["01"] e(FIXED_DL, &[n(14).lint(&[L::Csum, L::Gcppos2])], "GTIN")
        .with_ex(&["255", "37"])
        .with_dlpkey(&[&["22", "10", "21"], &["235"]]),
    ["02"] e(FIXED_DL, &[n(14).lint(&[L::Csum, L::Gcppos2])], "CONTENT")
        .with_req(&[req!["37"]])
        .with_ex(&["01", "03"]),
    ["03"] e(FIXED, &[n(14).lint(&[L::Csum, L::Gcppos2])], "MTO GTIN")
        .with_ex(&["01", "02", "37"]),
    ["10"] e(DL, &[x_up_to(20)], "BATCH/LOT")
        .with_req(&[req!["01", "02", "03", "8006", "8026"]]),
    ["11"] e(FIXED_DL, &[n(6).lint(&[L::Yymmd0])], "PROD DATE")
        .with_req(&[req!["01", "02", "03", "8006", "8026"]]),
    ["12"] e(FIXED_DL, &[n(6).lint(&[L::Yymmd0])], "DUE DATE")
        .with_req(&[req!["8020"]]),
    ["13"] e(FIXED_DL, &[n(6).lint(&[L::Yymmd0])], "PACK DATE")
        .with_req(&[req!["01", "02", "03", "8006", "8026"]]),
    ["15"] e(FIXED_DL, &[n(6).lint(&[L::Yymmd0])], "BEST BEFORE or BEST BY")
        .with_req(&[req!["01", "02", "03", "8006", "8026"]]),
    ["16"] e(FIXED_DL, &[n(6).lint(&[L::Yymmd0])], "SELL BY")
        .with_req(&[req!["01", "02", "03", "8006", "8026"]]),
    ["17"] e(FIXED_DL, &[n(6).lint(&[L::Yymmd0])], "USE BY or EXPIRY")
        .with_req(&[req!["01", "02", "03", "255", "8006", "8026"]]),
    ["20"] e(FIXED_DL, &[n(2)], "VARIANT")
        .with_req(&[req!["01", "02", "8006", "8026"]]),
    ["21"] e(PLAIN, &[x_up_to(20)], "SERIAL")
        .with_req(&[req!["01", "03", "8006"]])
        .with_ex(&["235"]),
    ["22"] e(PLAIN, &[x_up_to(20)], "CPV")
        .with_req(&[req!["01"]]),
    ["235"] e(PLAIN, &[x_up_to(28)], "TPX")
        .with_req(&[req!["01"]]),
    ["240"] e(DL, &[x_up_to(30)], "ADDITIONAL ID")
        .with_req(&[req!["01", "02", "8006", "8026"]]),
    ["241"] e(DL, &[x_up_to(30)], "CUST. PART No.")
        .with_req(&[req!["01", "02", "8006", "8026"]]),
    ["242"] e(DL, &[n_up_to(6)], "MTO VARIANT")
        .with_req(&[req!["01", "02", "8006", "8026"]]),
    ["243"] e(DL, &[x_up_to(20)], "PCN")
        .with_req(&[req!["01"]]),
    ["250"] e(DL, &[x_up_to(30)], "SECONDARY SERIAL")
        .with_req(&[req!["01", "8006"], req!["21"]]),
    ["251"] e(DL, &[x_up_to(30)], "REF. TO SOURCE")
        .with_req(&[req!["01", "8006"]]),
    ["253"] e(DL, &[n(13).lint(&[L::Csum, L::Gcppos1]), x_up_to(17).opt()], "GDTI")
        .with_dlpkey(&[&[]]),
    ["254"] e(PLAIN, &[x_up_to(20)], "GLN EXTENSION COMPONENT")
        .with_req(&[req!["414"]]),
    ["255"] e(DL, &[n(13).lint(&[L::Csum, L::Gcppos1]), n_up_to(12).opt()], "GCN")
        .with_ex(&["01", "02", "415", "8006", "8020", "8026"])
        .with_dlpkey(&[&[]]),
    ["30"] e(DL, &[n_up_to(8)], "VAR. COUNT")
        .with_req(&[req!["01", "02"]]),
    ["3100" "3101" "3102" "3103" "3104" "3105"]
        trade_measure("NET WEIGHT (kg)", &["310n"]),
    ["3110" "3111" "3112" "3113" "3114" "3115"]
        trade_measure("LENGTH (m)", &["311n"]),
    ["3120" "3121" "3122" "3123" "3124" "3125"]
        trade_measure("WIDTH (m)", &["312n"]),
    ["3130" "3131" "3132" "3133" "3134" "3135"]
        trade_measure("HEIGHT (m)", &["313n"]),
    ["3140" "3141" "3142" "3143" "3144" "3145"]
        trade_measure("AREA (m²)", &["314n"]),
    ["3150" "3151" "3152" "3153" "3154" "3155"]
        trade_measure("NET VOLUME (l)", &["315n"]),
    ["3160" "3161" "3162" "3163" "3164" "3165"]
        trade_measure("NET VOLUME (m³)", &["316n"]),
    ["3200" "3201" "3202" "3203" "3204" "3205"]
        trade_measure("NET WEIGHT (lb)", &["320n"]),
    ["3210" "3211" "3212" "3213" "3214" "3215"]
        trade_measure("LENGTH (in)", &["321n"]),
    ["3220" "3221" "3222" "3223" "3224" "3225"]
        trade_measure("LENGTH (ft)", &["322n"]),
    ["3230" "3231" "3232" "3233" "3234" "3235"]
        trade_measure("LENGTH (yd)", &["323n"]),
    ["3240" "3241" "3242" "3243" "3244" "3245"]
        trade_measure("WIDTH (in)", &["324n"]),
    ["3250" "3251" "3252" "3253" "3254" "3255"]
        trade_measure("WIDTH (ft)", &["325n"]),
    ["3260" "3261" "3262" "3263" "3264" "3265"]
        trade_measure("WIDTH (yd)", &["326n"]),
    ["3270" "3271" "3272" "3273" "3274" "3275"]
        trade_measure("HEIGHT (in)", &["327n"]),
    ["3280" "3281" "3282" "3283" "3284" "3285"]
        trade_measure("HEIGHT (ft)", &["328n"]),
    ["3290" "3291" "3292" "3293" "3294" "3295"]
        trade_measure("HEIGHT (yd)", &["329n"]),
    ["3300" "3301" "3302" "3303" "3304" "3305"]
        logistic_measure("GROSS WEIGHT (kg)", &["330n"]),
    ["3310" "3311" "3312" "3313" "3314" "3315"]
        logistic_measure("LENGTH (m), log", &["331n"]),
    ["3320" "3321" "3322" "3323" "3324" "3325"]
        logistic_measure("WIDTH (m), log", &["332n"]),
    ["3330" "3331" "3332" "3333" "3334" "3335"]
        logistic_measure("HEIGHT (m), log", &["333n"]),
    ["3340" "3341" "3342" "3343" "3344" "3345"]
        logistic_measure("AREA (m²), log", &["334n"]),
    ["3350" "3351" "3352" "3353" "3354" "3355"]
        logistic_measure("VOLUME (l), log", &["335n"]),
    ["3360" "3361" "3362" "3363" "3364" "3365"]
        logistic_measure("VOLUME (m³), log", &["336n"]),
    ["3370" "3371" "3372" "3373" "3374" "3375"]
        per_area_measure("KG PER m²", &["337n"]),
    ["3400" "3401" "3402" "3403" "3404" "3405"]
        logistic_measure("GROSS WEIGHT (lb)", &["340n"]),
    ["3410" "3411" "3412" "3413" "3414" "3415"]
        logistic_measure("LENGTH (in), log", &["341n"]),
    ["3420" "3421" "3422" "3423" "3424" "3425"]
        logistic_measure("LENGTH (ft), log", &["342n"]),
    ["3430" "3431" "3432" "3433" "3434" "3435"]
        logistic_measure("LENGTH (yd), log", &["343n"]),
    ["3440" "3441" "3442" "3443" "3444" "3445"]
        logistic_measure("WIDTH (in), log", &["344n"]),
    ["3450" "3451" "3452" "3453" "3454" "3455"]
        logistic_measure("WIDTH (ft), log", &["345n"]),
    ["3460" "3461" "3462" "3463" "3464" "3465"]
        logistic_measure("WIDTH (yd), log", &["346n"]),
    ["3470" "3471" "3472" "3473" "3474" "3475"]
        logistic_measure("HEIGHT (in), log", &["347n"]),
    ["3480" "3481" "3482" "3483" "3484" "3485"]
        logistic_measure("HEIGHT (ft), log", &["348n"]),
    ["3490" "3491" "3492" "3493" "3494" "3495"]
        logistic_measure("HEIGHT (yd), log", &["349n"]),
    ["3500" "3501" "3502" "3503" "3504" "3505"]
        trade_measure("AREA (in²)", &["350n"]),
    ["3510" "3511" "3512" "3513" "3514" "3515"]
        trade_measure("AREA (ft²)", &["351n"]),
    ["3520" "3521" "3522" "3523" "3524" "3525"]
        trade_measure("AREA (yd²)", &["352n"]),
    ["3530" "3531" "3532" "3533" "3534" "3535"]
        logistic_measure("AREA (in²), log", &["353n"]),
    ["3540" "3541" "3542" "3543" "3544" "3545"]
        logistic_measure("AREA (ft²), log", &["354n"]),
    ["3550" "3551" "3552" "3553" "3554" "3555"]
        logistic_measure("AREA (yd²), log", &["355n"]),
    ["3560" "3561" "3562" "3563" "3564" "3565"]
        trade_measure("NET WEIGHT (tr oz)", &["356n"]),
    ["3570" "3571" "3572" "3573" "3574" "3575"]
        trade_measure("NET VOLUME (oz)", &["357n"]),
    ["3600" "3601" "3602" "3603" "3604" "3605"]
        trade_measure("NET VOLUME (qt (US))", &["360n"]),
    ["3610" "3611" "3612" "3613" "3614" "3615"]
        trade_measure("NET VOLUME (gal.)", &["361n"]),
    ["3620" "3621" "3622" "3623" "3624" "3625"]
        logistic_measure("VOLUME (qt (US)), log", &["362n"]),
    ["3630" "3631" "3632" "3633" "3634" "3635"]
        logistic_measure("VOLUME (gal (US)), log", &["363n"]),
    ["3640" "3641" "3642" "3643" "3644" "3645"]
        trade_measure("NET VOLUME (in³)", &["364n"]),
    ["3650" "3651" "3652" "3653" "3654" "3655"]
        trade_measure("NET VOLUME (ft³)", &["365n"]),
    ["3660" "3661" "3662" "3663" "3664" "3665"]
        trade_measure("NET VOLUME (yd³)", &["366n"]),
    ["3670" "3671" "3672" "3673" "3674" "3675"]
        logistic_measure("VOLUME (in³), log", &["367n"]),
    ["3680" "3681" "3682" "3683" "3684" "3685"]
        logistic_measure("VOLUME (ft³), log", &["368n"]),
    ["3690" "3691" "3692" "3693" "3694" "3695"]
        logistic_measure("VOLUME (yd³), log", &["369n"]),
    ["37"] e(DL, &[n_up_to(8)], "COUNT")
        .with_req(&[req!["00"], req!["02", "8026"]]),
    ["3900" "3901" "3902" "3903" "3904"
     "3905" "3906" "3907" "3908" "3909"]
        e(DL, &[n_up_to(15)], "AMOUNT")
        .with_req(&[req!["255", "8020"]])
        .with_ex(&["390n", "391n", "394n", "8111"]),
    ["3910" "3911" "3912" "3913" "3914"
     "3915" "3916" "3917" "3918" "3919"]
        e(DL, &[n(3).lint(&[L::Iso4217]), n_up_to(15)], "AMOUNT")
        .with_req(&[req!["8020"]])
        .with_ex(&["391n"]),
    ["3920" "3921" "3922" "3923" "3924"
     "3925" "3926" "3927" "3928" "3929"]
        e(DL, &[n_up_to(15)], "PRICE")
        .with_req(&[req!["01"], req!["30", "31nn", "32nn", "35nn", "36nn"]])
        .with_ex(&["392n", "393n"]),
    ["3930" "3931" "3932" "3933" "3934"
     "3935" "3936" "3937" "3938" "3939"]
        e(DL, &[n(3).lint(&[L::Iso4217]), n_up_to(15)], "PRICE")
        .with_req(&[req!["30", "31nn", "32nn", "35nn", "36nn"]])
        .with_ex(&["393n"]),
    ["3940" "3941" "3942" "3943"] e(DL, &[n(4)], "PRCNT OFF")
        .with_req(&[req!["255"]])
        .with_ex(&["394n", "8111"]),
    ["3950" "3951" "3952" "3953" "3954" "3955"] e(DL, &[n(6)], "PRICE/UoM")
        .with_req(&[req!["30", "31nn", "32nn", "35nn", "36nn"]])
        .with_ex(&["392n", "393n", "395n", "8005"]),
    ["400"] e(DL, &[x_up_to(30)], "ORDER NUMBER"),
    ["401"] e(DL, &[x_up_to(30).lint(&[L::Gcppos1])], "GINC")
        .with_dlpkey(&[&[]]),
    ["402"] e(DL, &[n(17).lint(&[L::Csum, L::Gcppos1])], "GSIN")
        .with_dlpkey(&[&[]]),
    ["403"] e(DL, &[x_up_to(30)], "ROUTE")
        .with_req(&[req!["00"]]),
    ["410"] e(FIXED_DL, &[n(13).lint(&[L::Csum, L::Gcppos1])], "SHIP TO LOC"),
    ["411"] e(FIXED_DL, &[n(13).lint(&[L::Csum, L::Gcppos1])], "BILL TO"),
    ["412"] e(FIXED_DL, &[n(13).lint(&[L::Csum, L::Gcppos1])], "PURCHASE FROM"),
    ["413"] e(FIXED_DL, &[n(13).lint(&[L::Csum, L::Gcppos1])], "SHIP FOR LOC"),
    ["414"] e(FIXED_DL, &[n(13).lint(&[L::Csum, L::Gcppos1])], "LOC No.")
        .with_dlpkey(&[&["254"], &["7040"]]),
    ["415"] e(FIXED_DL, &[n(13).lint(&[L::Csum, L::Gcppos1])], "PAY TO")
        .with_req(&[req!["8020"]])
        .with_dlpkey(&[&["8020"]]),
    ["416"] e(FIXED_DL, &[n(13).lint(&[L::Csum, L::Gcppos1])], "PROD/SERV LOC"),
    ["417"] e(FIXED_DL, &[n(13).lint(&[L::Csum, L::Gcppos1])], "PARTY")
        .with_dlpkey(&[&["7040"]]),
    ["420"] e(DL, &[x_up_to(20)], "SHIP TO POST")
        .with_ex(&["421"]),
    ["421"] e(DL, &[n(3).lint(&[L::Iso3166]), x_up_to(9)], "SHIP TO POST")
        .with_ex(&["4307"]),
    ["422"] e(DL, &[n(3).lint(&[L::Iso3166])], "ORIGIN")
        .with_req(&[req!["01", "02", "8006", "8026"]])
        .with_ex(&["426"]),
    ["423"] e(DL, COUNTRY_LIST, "COUNTRY - INITIAL PROCESS")
        .with_req(&[req!["01", "02"]])
        .with_ex(&["426"]),
    ["424"] e(DL, &[n(3).lint(&[L::Iso3166])], "COUNTRY - PROCESS")
        .with_req(&[req!["01", "02"]])
        .with_ex(&["426"]),
    ["425"] e(DL, COUNTRY_LIST, "COUNTRY - DISASSEMBLY")
        .with_req(&[req!["01", "02"]])
        .with_ex(&["426"]),
    ["426"] e(DL, &[n(3).lint(&[L::Iso3166])], "COUNTRY - FULL PROCESS")
        .with_req(&[req!["01", "02"]]),
    ["427"] e(DL, &[x_up_to(3)], "ORIGIN SUBDIVISION")
        .with_req(&[req!["01", "02"], req!["422"]]),
    ["4300"] e(DL, &[x_up_to(35).lint(&[L::Pcenc])], "SHIP TO COMP")
        .with_req(&[req!["00"]]),
    ["4301"] e(DL, &[x_up_to(35).lint(&[L::Pcenc])], "SHIP TO NAME")
        .with_req(&[req!["00"]]),
    ["4302"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "SHIP TO ADD1")
        .with_req(&[req!["00"]]),
    ["4303"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "SHIP TO ADD2")
        .with_req(&[req!["4302"]]),
    ["4304"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "SHIP TO SUB")
        .with_req(&[req!["00"]]),
    ["4305"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "SHIP TO LOC")
        .with_req(&[req!["00"]]),
    ["4306"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "SHIP TO REG")
        .with_req(&[req!["00"]]),
    ["4307"] e(DL, &[x(2).lint(&[L::Iso3166alpha2])], "SHIP TO COUNTRY")
        .with_req(&[req!["00"]]),
    ["4308"] e(DL, &[x_up_to(30)], "SHIP TO PHONE")
        .with_req(&[req!["00"]]),
    ["4309"] e(DL, &[n(10).lint(&[L::Latitude]), n(10).lint(&[L::Longitude])], "SHIP TO GEO")
        .with_req(&[req!["00"]]),
    ["4310"] e(DL, &[x_up_to(35).lint(&[L::Pcenc])], "RTN TO COMP")
        .with_req(&[req!["00"]]),
    ["4311"] e(DL, &[x_up_to(35).lint(&[L::Pcenc])], "RTN TO NAME")
        .with_req(&[req!["00"]]),
    ["4312"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "RTN TO ADD1")
        .with_req(&[req!["00"]]),
    ["4313"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "RTN TO ADD2")
        .with_req(&[req!["4312"]]),
    ["4314"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "RTN TO SUB")
        .with_req(&[req!["00"]]),
    ["4315"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "RTN TO LOC")
        .with_req(&[req!["00"]]),
    ["4316"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "RTN TO REG")
        .with_req(&[req!["00"]]),
    ["4317"] e(DL, &[x(2).lint(&[L::Iso3166alpha2])], "RTN TO COUNTRY")
        .with_req(&[req!["00"]]),
    ["4318"] e(DL, &[x_up_to(20)], "RTN TO POST")
        .with_req(&[req!["00"]]),
    ["4319"] e(DL, &[x_up_to(30)], "RTN TO PHONE")
        .with_req(&[req!["00"]]),
    ["4320"] e(DL, &[x_up_to(35).lint(&[L::Pcenc])], "SRV DESCRIPTION")
        .with_req(&[req!["00"]]),
    ["4321"] e(DL, &[n(1).lint(&[L::Yesno])], "DANGEROUS GOODS")
        .with_req(&[req!["00"]]),
    ["4322"] e(DL, &[n(1).lint(&[L::Yesno])], "AUTH TO LEAVE")
        .with_req(&[req!["00"]]),
    ["4323"] e(DL, &[n(1).lint(&[L::Yesno])], "SIG REQUIRED")
        .with_req(&[req!["00"]]),
    ["4324"] e(DL, &[n(6).lint(&[L::Yymmd0]), n(4).lint(&[L::Hhmi])], "NOT BEF DEL DT")
        .with_req(&[req!["00"]]),
    ["4325"] e(DL, &[n(6).lint(&[L::Yymmd0]), n(4).lint(&[L::Hhmi])], "NOT AFT DEL DT")
        .with_req(&[req!["00"]]),
    ["4326"] e(DL, &[n(6).lint(&[L::Yymmdd])], "REL DATE")
        .with_req(&[req!["00"]]),
    ["4330"] e(DL, &[n(6), x(1).lint(&[L::Hyphen]).opt()], "MAX TEMP F.")
        .with_req(&[req!["00"]])
        .with_ex(&["4331"]),
    ["4331"] e(DL, &[n(6), x(1).lint(&[L::Hyphen]).opt()], "MAX TEMP C.")
        .with_req(&[req!["00"]])
        .with_ex(&["4330"]),
    ["4332"] e(DL, &[n(6), x(1).lint(&[L::Hyphen]).opt()], "MIN TEMP F.")
        .with_req(&[req!["00"]])
        .with_ex(&["4333"]),
    ["4333"] e(DL, &[n(6), x(1).lint(&[L::Hyphen]).opt()], "MIN TEMP C.")
        .with_req(&[req!["00"]])
        .with_ex(&["4332"]),
    ["7001"] e(DL, &[n(13)], "NSN")
        .with_req(&[req!["01", "02", "8006", "8026"]]),
    ["7002"] e(DL, &[x_up_to(30)], "MEAT CUT")
        .with_req(&[req!["01", "02"]]),
    ["7003"] e(DL, &[n(6).lint(&[L::Yymmdd]), n(4).lint(&[L::Hhmi])], "EXPIRY TIME")
        .with_req(&[req!["01", "02"]]),
    ["7004"] e(DL, &[n_up_to(4)], "ACTIVE POTENCY")
        .with_req(&[req!["01" + "10"]]),
    ["7005"] e(DL, &[x_up_to(12)], "CATCH AREA")
        .with_req(&[req!["01", "02"]]),
    ["7006"] e(DL, &[n(6).lint(&[L::Yymmdd])], "FIRST FREEZE DATE")
        .with_req(&[req!["01", "02"]]),
    ["7007"] e(DL, &[n(6).lint(&[L::Yymmdd]), n(6).lint(&[L::Yymmdd]).opt()], "HARVEST DATE")
        .with_req(&[req!["01", "02"]]),
    ["7008"] e(DL, &[x_up_to(3)], "AQUATIC SPECIES")
        .with_req(&[req!["01", "02"]]),
    ["7009"] e(DL, &[x_up_to(10)], "FISHING GEAR TYPE")
        .with_req(&[req!["01", "02"]]),
    ["7010"] e(DL, &[x_up_to(2)], "PROD METHOD")
        .with_req(&[req!["01", "02"]]),
    ["7011"] e(DL, &[n(6).lint(&[L::Yymmdd]), n(4).lint(&[L::Hhmi]).opt()], "TEST BY DATE")
        .with_req(&[req!["01", "02"]]),
    ["7020"] e(DL, &[x_up_to(20)], "REFURB LOT")
        .with_req(&[req!["01", "8006"], req!["416"]]),
    ["7021"] e(DL, &[x_up_to(20)], "FUNC STAT")
        .with_req(&[req!["01", "8006"]]),
    ["7022"] e(DL, &[x_up_to(20)], "REV STAT")
        .with_req(&[req!["7021"]]),
    ["7023"] e(DL, &[x_up_to(30).lint(&[L::Gcppos1])], "GIAI - ASSEMBLY"),
    ["7030"] e(DL, &[n(3).lint(&[L::Iso3166999]), x_up_to(27)], "PROCESSOR # 0")
        .with_req(&[req!["01", "02"]]),
    ["7031"] e(DL, &[n(3).lint(&[L::Iso3166999]), x_up_to(27)], "PROCESSOR # 1")
        .with_req(&[req!["01", "02"]]),
    ["7032"] e(DL, &[n(3).lint(&[L::Iso3166999]), x_up_to(27)], "PROCESSOR # 2")
        .with_req(&[req!["01", "02"]]),
    ["7033"] e(DL, &[n(3).lint(&[L::Iso3166999]), x_up_to(27)], "PROCESSOR # 3")
        .with_req(&[req!["01", "02"]]),
    ["7034"] e(DL, &[n(3).lint(&[L::Iso3166999]), x_up_to(27)], "PROCESSOR # 4")
        .with_req(&[req!["01", "02"]]),
    ["7035"] e(DL, &[n(3).lint(&[L::Iso3166999]), x_up_to(27)], "PROCESSOR # 5")
        .with_req(&[req!["01", "02"]]),
    ["7036"] e(DL, &[n(3).lint(&[L::Iso3166999]), x_up_to(27)], "PROCESSOR # 6")
        .with_req(&[req!["01", "02"]]),
    ["7037"] e(DL, &[n(3).lint(&[L::Iso3166999]), x_up_to(27)], "PROCESSOR # 7")
        .with_req(&[req!["01", "02"]]),
    ["7038"] e(DL, &[n(3).lint(&[L::Iso3166999]), x_up_to(27)], "PROCESSOR # 8")
        .with_req(&[req!["01", "02"]]),
    ["7039"] e(DL, &[n(3).lint(&[L::Iso3166999]), x_up_to(27)], "PROCESSOR # 9")
        .with_req(&[req!["01", "02"]]),
    ["7040"] e(PLAIN, &[n(1), x(1), x(1), x(1).lint(&[L::Importeridx])], "UIC+EXT"),
    ["7041"] e(PLAIN, &[x_up_to(4).lint(&[L::Packagetype])], "UFRGT UNIT TYPE")
        .with_req(&[req!["00"]]),
    ["710"] e(DL, &[x_up_to(20)], "NHRN PZN")
        .with_req(&[req!["01"]]),
    ["711"] e(DL, &[x_up_to(20)], "NHRN CIP")
        .with_req(&[req!["01"]]),
    ["712"] e(DL, &[x_up_to(20)], "NHRN CN")
        .with_req(&[req!["01"]]),
    ["713"] e(DL, &[x_up_to(20)], "NHRN DRN")
        .with_req(&[req!["01"]]),
    ["714"] e(DL, &[x_up_to(20)], "NHRN AIM")
        .with_req(&[req!["01"]]),
    ["715"] e(DL, &[x_up_to(20)], "NHRN NDC")
        .with_req(&[req!["01"]]),
    ["716"] e(DL, &[x_up_to(20)], "NHRN AIC")
        .with_req(&[req!["01"]]),
    ["717"] e(DL, &[x_up_to(20)], "NHRN SRN")
        .with_req(&[req!["01"]]),
    ["7230"] e(DL, &[x(2), x_up_to(28)], "CERT # 1")
        .with_req(&[req!["01", "8004"]]),
    ["7231"] e(DL, &[x(2), x_up_to(28)], "CERT # 2")
        .with_req(&[req!["01", "8004"]]),
    ["7232"] e(DL, &[x(2), x_up_to(28)], "CERT # 3")
        .with_req(&[req!["01", "8004"]]),
    ["7233"] e(DL, &[x(2), x_up_to(28)], "CERT # 4")
        .with_req(&[req!["01", "8004"]]),
    ["7234"] e(DL, &[x(2), x_up_to(28)], "CERT # 5")
        .with_req(&[req!["01", "8004"]]),
    ["7235"] e(DL, &[x(2), x_up_to(28)], "CERT # 6")
        .with_req(&[req!["01", "8004"]]),
    ["7236"] e(DL, &[x(2), x_up_to(28)], "CERT # 7")
        .with_req(&[req!["01", "8004"]]),
    ["7237"] e(DL, &[x(2), x_up_to(28)], "CERT # 8")
        .with_req(&[req!["01", "8004"]]),
    ["7238"] e(DL, &[x(2), x_up_to(28)], "CERT # 9")
        .with_req(&[req!["01", "8004"]]),
    ["7239"] e(DL, &[x(2), x_up_to(28)], "CERT # 10")
        .with_req(&[req!["01", "8004"]]),
    ["7240"] e(DL, &[x_up_to(20)], "PROTOCOL")
        .with_req(&[req!["01", "8006"]]),
    ["7241"] e(DL, &[n(2).lint(&[L::Mediatype])], "AIDC MEDIA TYPE")
        .with_req(&[req!["8017", "8018"]]),
    ["7242"] e(DL, &[x_up_to(25)], "VCN")
        .with_req(&[req!["8017", "8018"]]),
    ["7250"] e(DL, &[n(8).lint(&[L::Yyyymmdd])], "DOB")
        .with_req(&[req!["8018"]])
        .with_ex(&["7251"]),
    ["7251"] e(DL, &[n(8).lint(&[L::Yyyymmdd]), n(4).lint(&[L::Hhmi])], "DOB TIME")
        .with_req(&[req!["8018"]])
        .with_ex(&["7250"]),
    ["7252"] e(DL, &[n(1).lint(&[L::Iso5218])], "BIO SEX")
        .with_req(&[req!["8018"]]),
    ["7253"] e(DL, &[x_up_to(40).lint(&[L::Pcenc])], "FAMILY NAME")
        .with_req(&[req!["8017", "8018"]])
        .with_ex(&["7256", "7259"]),
    ["7254"] e(DL, &[x_up_to(40).lint(&[L::Pcenc])], "GIVEN NAME")
        .with_req(&[req!["8017", "8018"]])
        .with_ex(&["7256", "7259"]),
    ["7255"] e(DL, &[x_up_to(10)], "SUFFIX")
        .with_req(&[req!["8017", "8018"]])
        .with_ex(&["7256", "7259"]),
    ["7256"] e(DL, &[x_up_to(90).lint(&[L::Pcenc])], "FULL NAME")
        .with_req(&[req!["8017", "8018"]]),
    ["7257"] e(DL, &[x_up_to(70).lint(&[L::Pcenc])], "PERSON ADDR")
        .with_req(&[req!["8018"]]),
    ["7258"] e(DL, &[x(3).lint(&[L::Posinseqslash])], "BIRTH SEQUENCE")
        .with_req(&[req!["8018" + "7259"]]),
    ["7259"] e(DL, &[x_up_to(40).lint(&[L::Pcenc])], "BABY")
        .with_req(&[req!["8018"]])
        .with_ex(&["7256"]),
    ["8001"] e(
        DL,
        &[
            n(4).lint(&[L::Nonzero]),
            n(5).lint(&[L::Nonzero]),
            n(3).lint(&[L::Nonzero]),
            n(1).lint(&[L::Winding]),
            n(1),
        ],
        "DIMENSIONS",
    )
        .with_req(&[req!["01"]]),
    ["8002"] e(DL, &[x_up_to(20)], "CMT No."),
    ["8003"] e(
        DL,
        &[
            n(1).lint(&[L::Zero]),
            n(13).lint(&[L::Csum, L::Gcppos1]),
            x_up_to(16).opt(),
        ],
        "GRAI",
    )
        .with_dlpkey(&[&[]]),
    ["8004"] e(DL, &[x_up_to(30).lint(&[L::Gcppos1])], "GIAI")
        .with_dlpkey(&[&["7040"]]),
    ["8005"] e(DL, &[n(6)], "PRICE PER UNIT")
        .with_req(&[req!["01", "02"]]),
    ["8006"] e(DL, &[n(14).lint(&[L::Csum, L::Gcppos2]), n(4).lint(&[L::Pieceoftotal])], "ITIP")
        .with_ex(&["01", "37"])
        .with_dlpkey(&[&["22", "10", "21"]]),
    ["8007"] e(DL, &[x_up_to(34).lint(&[L::Iban])], "IBAN")
        .with_req(&[req!["415"]]),
    ["8008"] e(
        DL,
        &[
            n(6).lint(&[L::Yymmdd]),
            n(2).lint(&[L::Hh]),
            n(2).lint(&[L::Mi]).opt(),
            n(2).lint(&[L::Ss]).opt(),
        ],
        "PROD TIME",
    )
        .with_req(&[req!["01", "02"]]),
    ["8009"] e(DL, &[x_up_to(50)], "OPTSEN")
        .with_req(&[req!["00", "01"]]),
    ["8010"] e(DL, &[y_up_to(30).lint(&[L::Gcppos1])], "CPID")
        .with_dlpkey(&[&["8011"]]),
    ["8011"] e(PLAIN, &[n_up_to(12).lint(&[L::Nozeroprefix])], "CPID SERIAL")
        .with_req(&[req!["8010"]]),
    ["8012"] e(DL, &[x_up_to(20)], "VERSION")
        .with_req(&[req!["01", "8006"]]),
    ["8013"] e(DL, &[x_up_to(25).lint(&[L::Csumalpha, L::Gcppos1])], "GMN")
        .with_dlpkey(&[&[]]),
    ["8014"] e(PLAIN, &[x_up_to(25).lint(&[L::Csumalpha, L::Gcppos1, L::Hasnondigit])], "MUDI")
        .with_req(&[req!["01"]]),
    ["8017"] e(DL, &[n(18).lint(&[L::Csum, L::Gcppos1])], "GSRN - PROVIDER")
        .with_ex(&["8018"])
        .with_dlpkey(&[&["8019"]]),
    ["8018"] e(DL, &[n(18).lint(&[L::Csum, L::Gcppos1])], "GSRN - RECIPIENT")
        .with_ex(&["8017"])
        .with_dlpkey(&[&["8019"]]),
    ["8019"] e(PLAIN, &[n_up_to(10)], "SRIN")
        .with_req(&[req!["8017", "8018"]]),
    ["8020"] e(PLAIN, &[x_up_to(25)], "REF No.")
        .with_req(&[req!["415"]]),
    ["8026"] e(
        DL,
        &[
            n(14).lint(&[L::Csum, L::Gcppos2]),
            n(4).lint(&[L::Pieceoftotal]),
        ],
        "ITIP CONTENT",
    )
        .with_req(&[req!["37"]])
        .with_ex(&["02", "8006"]),
    ["8030"] e(DL, &[z_up_to(90)], "DIGSIG")
        .with_req(&[req![
            "00", "01" + "21", "253", "255", "8003", "8004", "8006" + "21",
            "8010" + "8011", "8017", "8018",
        ]]),
    ["8040"] e(PLAIN, &[n(15)], "IMEI")
        .with_req(&[req!["01" + "21"]]),
    ["8041"] e(PLAIN, &[n(15)], "IMEI2")
        .with_req(&[req!["01" + "21" + "8040"]]),
    ["8042"] e(PLAIN, &[n(32)], "ESIM")
        .with_req(&[req!["01" + "21" + "8040"]]),
    ["8043"] e(PLAIN, &[n(18), n_up_to(2).opt()], "PSIM")
        .with_req(&[req!["01" + "21" + "8040"]]),
    ["8110"] e(DL, &[x_up_to(70).lint(&[L::Couponcode])], ""),
    ["8111"] e(DL, &[n(4)], "POINTS")
        .with_req(&[req!["255"]]),
    ["8112"] e(DL, &[x_up_to(70).lint(&[L::Couponposoffer])], ""),
    ["8200"] e(PLAIN, &[x_up_to(70)], "PRODUCT URL")
        .with_req(&[req!["01"]]),
    ["90"] e(DL, &[x_up_to(30)], "INTERNAL"),
    ["91" "92" "93" "94" "95" "96" "97" "98" "99"] e(DL, &[x_up_to(90)], "INTERNAL"),
];

/// The run of [`TABLE`] entries sharing a two-digit prefix, and the length
/// of their AIs (`len == 0`: no AI starts with that prefix).
#[derive(Clone, Copy)]
struct Run {
    start: u16,
    end: u16,
    len: u8,
}

/// [`Run`]s by two-digit prefix, built (and the table's order and prefix
/// rule checked) at compile time.
const INDEX: [Run; 100] = build_index(TABLE);

const fn build_index(table: &[AiEntry]) -> [Run; 100] {
    let mut index = [Run {
        start: 0,
        end: 0,
        len: 0,
    }; 100];
    let mut i = 0;
    while i < table.len() {
        let ai = table[i].ai.as_bytes();
        assert!(ai.len() >= 2 && ai.len() <= 4, "AIs have 2 to 4 digits");
        let mut k = 0;
        while k < ai.len() {
            assert!(ai[k].is_ascii_digit(), "AIs are digits");
            k += 1;
        }
        if i > 0 {
            assert!(
                bytes_less(table[i - 1].ai.as_bytes(), ai),
                "the table is sorted"
            );
        }
        let p = ((ai[0] - b'0') * 10 + (ai[1] - b'0')) as usize;
        if index[p].len == 0 {
            index[p] = Run {
                start: i as u16,
                end: i as u16 + 1,
                len: ai.len() as u8,
            };
        } else {
            // GS1 allocates AIs so that the first two digits fix the
            // length; the lookup relies on it.
            assert!(
                index[p].len as usize == ai.len(),
                "same prefix, same length"
            );
            assert!(index[p].end as usize == i, "a prefix's AIs are contiguous");
            index[p].end += 1;
        }
        i += 1;
    }
    index
}

const fn bytes_less(a: &[u8], b: &[u8]) -> bool {
    let mut i = 0;
    while i < a.len() && i < b.len() {
        if a[i] != b[i] {
            return a[i] < b[i];
        }
        i += 1;
    }
    a.len() < b.len()
}

/// The entry whose AI is the start of `key`; with `exact`, only if it is
/// all of `key`.
fn lookup(key: &[u8], exact: bool) -> Option<&'static AiEntry> {
    let (&d0, &d1) = (key.first()?, key.get(1)?);
    if !d0.is_ascii_digit() || !d1.is_ascii_digit() {
        return None;
    }
    let run = INDEX[usize::from((d0 - b'0') * 10 + (d1 - b'0'))];
    let len = usize::from(run.len);
    if len == 0 || key.len() < len || (exact && key.len() != len) {
        return None;
    }
    let ai = &key[..len];
    let entries = &TABLE[usize::from(run.start)..usize::from(run.end)];
    // One prefix, one length: byte order is numeric order.
    let i = entries.binary_search_by(|e| e.ai.as_bytes().cmp(ai)).ok()?;
    entries.get(i)
}

/// The length of the AIs whose first two digits are `d0 d1` (GS1 gives
/// them all the same length), `None` when no AI in the table starts so.
pub fn ai_len_by_prefix(d0: u8, d1: u8) -> Option<usize> {
    if !d0.is_ascii_digit() || !d1.is_ascii_digit() {
        return None;
    }
    match INDEX[usize::from((d0 - b'0') * 10 + (d1 - b'0'))].len {
        0 => None,
        len => Some(usize::from(len)),
    }
}

/// The entry for exactly `ai` (`"01"`, `"3103"`).
pub fn entry(ai: &str) -> Option<&'static AiEntry> {
    lookup(ai.as_bytes(), true)
}

/// The entry whose AI `data` starts with: AIs are 2 to 4 digits and no AI
/// is the prefix of another, so there is at most one.
pub fn match_prefix(data: &str) -> Option<&'static AiEntry> {
    lookup(data.as_bytes(), false)
}

/// Every AI, in order.
pub fn all() -> &'static [AiEntry] {
    TABLE
}

/// Whether `ai` matches a `req=`/`ex=` pattern: the same length, each
/// character equal, `n` standing for any digit (`310n`, `35nn`).
pub fn pattern_matches(pattern: &str, ai: &str) -> bool {
    pattern.len() == ai.len()
        && pattern
            .bytes()
            .zip(ai.bytes())
            .all(|(p, a)| p == a || (p == b'n' && a.is_ascii_digit()))
}

/// The total length (AI digits included) of element strings whose AI
/// starts with `ai_prefix2`, for the prefixes GS1 predefines: such an
/// element needs no FNC1 separator after it.
///
/// Source: GS1 General Specifications, section 5.10.1, the figure
/// "Element strings with predefined length using GS1 Application
/// Identifiers". The list is fixed by the standard ("closed"), so it also
/// covers prefixes with reserved, not yet allocated AIs (04, 14, 18, 19);
/// 23, once listed, was withdrawn when 235 (TPX, variable length) took its
/// place. The reference engine (gs1encoders, `fixedAIprefixLengths`) holds
/// the same list, giving value lengths (the AI digits left out).
pub fn predefined_length(ai_prefix2: &str) -> Option<usize> {
    match ai_prefix2 {
        "00" => Some(20),
        "01" | "02" | "03" => Some(16),
        "04" => Some(18),
        "11" | "12" | "13" | "14" | "15" | "16" | "17" | "18" | "19" => Some(8),
        "20" => Some(4),
        "31" | "32" | "33" | "34" | "35" | "36" => Some(10),
        "41" => Some(16),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(ai: &str) -> &'static AiEntry {
        match entry(ai) {
            Some(e) => e,
            None => panic!("no entry for {ai}"),
        }
    }

    #[test]
    fn the_gtin_is_fourteen_digits_with_a_check_digit_and_a_digital_link_key() {
        let e = get("01");
        assert_eq!(e.ai, "01");
        assert!(e.fixed_length && e.dl_attribute);
        assert_eq!(
            e.components,
            &[Component {
                cset: Cset::N,
                min: 14,
                max: 14,
                optional: false,
                linters: &[Linter::Csum, Linter::Gcppos2],
            }]
        );
        assert_eq!(e.ex, &["255", "37"]);
        assert_eq!(e.dlpkey, Some(&[&["22", "10", "21"][..], &["235"][..]][..]));
        assert_eq!(e.title, "GTIN");
    }

    #[test]
    fn the_sscc_is_a_digital_link_key_without_qualifiers() {
        let e = get("00");
        assert_eq!(e.components.len(), 1);
        assert_eq!((e.components[0].min, e.components[0].max), (18, 18));
        assert_eq!(e.dlpkey, Some(&[&[][..]][..]));
        assert!(e.req.is_empty());
    }

    #[test]
    fn batch_and_serial_are_variable_and_need_an_item() {
        let lot = get("10");
        assert!(!lot.fixed_length);
        assert_eq!(lot.components[0].cset, Cset::X);
        assert_eq!((lot.components[0].min, lot.components[0].max), (1, 20));
        assert_eq!(
            lot.req,
            &[&[&["01"][..], &["02"], &["03"], &["8006"], &["8026"]][..]]
        );
        let serial = get("21");
        assert!(!serial.dl_attribute);
        assert_eq!(serial.ex, &["235"]);
        assert_eq!(serial.req, &[&[&["01"][..], &["03"], &["8006"]][..]]);
    }

    #[test]
    fn expiry_is_a_six_digit_date_whose_day_may_be_zero() {
        let e = get("17");
        assert!(e.fixed_length);
        assert_eq!(e.components[0].linters, &[Linter::Yymmd0]);
        assert_eq!(e.min_len(), 6);
        assert_eq!(e.max_len(), 6);
    }

    #[test]
    fn the_gsrn_and_its_srin_go_together() {
        let gsrn = get("8018");
        assert_eq!(gsrn.components[0].linters, &[Linter::Csum, Linter::Gcppos1]);
        assert_eq!(gsrn.ex, &["8017"]);
        assert_eq!(gsrn.dlpkey, Some(&[&["8019"][..]][..]));
        let srin = get("8019");
        assert_eq!((srin.components[0].min, srin.components[0].max), (1, 10));
        assert_eq!(srin.req, &[&[&["8017"][..], &["8018"]][..]]);
    }

    #[test]
    fn the_giai_gln_and_extension_have_their_formats() {
        let giai = get("8004");
        assert_eq!(giai.components[0].cset, Cset::X);
        assert_eq!(giai.components[0].max, 30);
        assert_eq!(giai.dlpkey, Some(&[&["7040"][..]][..]));
        let gln = get("414");
        assert!(gln.fixed_length);
        assert_eq!(gln.dlpkey, Some(&[&["254"][..], &["7040"][..]][..]));
        let ext = get("254");
        assert_eq!(ext.req, &[&[&["414"][..]][..]]);
    }

    #[test]
    fn a_range_becomes_one_entry_per_ai() {
        let e = get("3103");
        assert_eq!(e.ai, "3103");
        assert_eq!(e.title, "NET WEIGHT (kg)");
        assert_eq!(e.ex, &["310n"]);
        assert!(entry("3106").is_none());
        assert_eq!(get("99").title, "INTERNAL");
        assert_eq!(get("7240").title, "PROTOCOL");
    }

    #[test]
    fn optional_components_are_marked() {
        let e = get("8003");
        assert_eq!(e.components.len(), 3);
        assert!(e.components[2].optional);
        assert_eq!(e.min_len(), 14);
        assert_eq!(e.max_len(), 30);
    }

    #[test]
    fn patterns_match_digits_where_they_say_n() {
        assert!(pattern_matches("310n", "3105"));
        assert!(pattern_matches("35nn", "3520"));
        assert!(pattern_matches("01", "01"));
        assert!(!pattern_matches("310n", "3115"));
        assert!(!pattern_matches("310n", "310"));
        assert!(!pattern_matches("35nn", "35a1"));
    }

    #[test]
    fn match_prefix_finds_the_ai_at_the_start_of_data() {
        assert_eq!(match_prefix("0109506000134352").map(|e| e.ai), Some("01"));
        assert_eq!(match_prefix("3103000123").map(|e| e.ai), Some("3103"));
        assert_eq!(match_prefix("2351234").map(|e| e.ai), Some("235"));
        assert_eq!(match_prefix("8019123").map(|e| e.ai), Some("8019"));
        assert_eq!(match_prefix("90x").map(|e| e.ai), Some("90"));
        assert!(match_prefix("230").is_none());
        assert!(match_prefix("310").is_none());
        assert!(match_prefix("3106123").is_none());
        assert!(match_prefix("0").is_none());
        assert!(match_prefix("x1").is_none());
        assert!(match_prefix("").is_none());
    }

    #[test]
    fn the_first_two_digits_give_the_ai_length() {
        assert_eq!(ai_len_by_prefix(b'0', b'1'), Some(2));
        assert_eq!(ai_len_by_prefix(b'2', b'3'), Some(3));
        assert_eq!(ai_len_by_prefix(b'3', b'1'), Some(4));
        assert_eq!(ai_len_by_prefix(b'0', b'5'), None);
        assert_eq!(ai_len_by_prefix(b'x', b'1'), None);
    }

    #[test]
    fn an_exact_lookup_wants_the_whole_ai() {
        assert!(entry("011").is_none());
        assert!(entry("8").is_none());
        assert!(entry("0").is_none());
        assert_eq!(entry("235").map(|e| e.ai), Some("235"));
    }

    #[test]
    fn every_entry_is_found_by_its_own_ai() {
        for e in all() {
            assert_eq!(entry(e.ai).map(|f| f.ai), Some(e.ai));
        }
    }

    #[test]
    fn predefined_lengths_follow_the_general_specifications() {
        assert_eq!(predefined_length("00"), Some(20));
        assert_eq!(predefined_length("01"), Some(16));
        assert_eq!(predefined_length("17"), Some(8));
        assert_eq!(predefined_length("20"), Some(4));
        assert_eq!(predefined_length("31"), Some(10));
        assert_eq!(predefined_length("41"), Some(16));
        assert_eq!(predefined_length("10"), None);
        assert_eq!(predefined_length("23"), None);
        assert_eq!(predefined_length("80"), None);
    }

    #[test]
    fn fixed_length_entries_agree_with_the_predefined_lengths() {
        for e in all() {
            if let Some(total) = predefined_length(&e.ai[..2]) {
                assert!(e.fixed_length, "{} should be fixed length", e.ai);
                assert_eq!(e.ai.len() + e.max_len(), total, "{}", e.ai);
                assert_eq!(e.min_len(), e.max_len(), "{}", e.ai);
            }
        }
    }
}
