//! Assays (an `[[assay]]` entry of kentai.toml) and the rule that turns an
//! instrument run's well readings into one result per patient sample.
//!
//! A PCR run is judged as a whole before any of its samples: a result
//! from a run whose controls failed is not a result, so any
//! [`ControlFailure`] refuses the run and the caller records nothing from
//! it. The rules, in the order [`interpret`] applies them:
//!
//! - **Which well is what.** A well whose task is `Standard` is ignored
//!   (standard curves say nothing about a patient). A well whose task is
//!   `Ntc`, or whose sample name is one of `ntc_names`, is a no-template
//!   control; a well whose task is `PositiveControl`, or whose sample name
//!   is one of `positive_control_names`, is a positive control. Names are
//!   matched case-insensitively, and win over an `Unknown` task, because a
//!   plate set up in a hurry often leaves every task at its default. Any
//!   other well with a sample name is a patient sample; a well with no
//!   sample name is an empty well and is ignored (a control recognised by
//!   its task counts even without a name).
//! - **No-template control.** Every reading of an NTC well must be
//!   undetermined; any Ct is [`ControlFailureKind::NtcAmplified`]: the
//!   reagents or the plate are contaminated, so every negative of the run
//!   is in doubt.
//! - **Positive control.** Every viral target of each positive-control well
//!   must amplify with a Ct inside `positive_control_ct_range` (inclusive;
//!   `[0, ct_cutoff]` when not set); a target outside it, undetermined or
//!   not read at all is [`ControlFailureKind::PositiveControlOutOfRange`]:
//!   the run could not have found a positive. The internal control is not
//!   judged in a positive control (control material need not carry it).
//! - **Missing controls.** When `ntc_names` is set and no NTC well is on
//!   the plate, [`ControlFailureKind::MissingNtc`]; when
//!   `positive_control_names` is set and no positive control is,
//!   [`ControlFailureKind::MissingPositiveControl`]. An assay that names
//!   none accepts a plate without them.
//! - **Patient samples.** Readings are grouped by sample name (a multiplex
//!   well has one reading per target), one [`SampleCall`] per name in the
//!   order the plate first shows it. A sample in two different wells is a
//!   [`SampleProblemKind::DuplicateWells`] problem; it is still called, from
//!   its first well's readings, so the problem is shown beside a call rather
//!   than instead of one. A reading of a target the assay does not know is
//!   an [`SampleProblemKind::UnknownTarget`] problem and is not used.
//! - **[`AssayRule::AnyTarget`]** (the default): a viral target with a Ct
//!   below `ct_cutoff` is detected, and any detected target makes the sample
//!   positive, whatever the internal control says (a strong viral load can
//!   outcompete it). Otherwise a viral target that was not read at all is a
//!   [`SampleProblemKind::MissingTarget`] problem and the call is
//!   inconclusive: the missing target might have been the positive one.
//!   Otherwise, with an internal control configured, the sample is negative
//!   only when the internal control's Ct is below `internal_control_cutoff`
//!   (`ct_cutoff` when not set); an internal control undetermined, late or
//!   not read means the specimen or its extraction failed, and the call is
//!   invalid. Without an internal control, negative.
//! - **[`AssayRule::AllTargets`]**: every viral target detected is positive;
//!   some but not all detected (or some detected and others not read) is
//!   inconclusive; none detected is judged as above (missing → inconclusive,
//!   then negative or invalid by the internal control).
//!
//! Every call carries the Ct of every known target read for the sample
//! (viral and internal control, `None` for undetermined) and
//! [`Assay::describe`], the rule that produced it, so a stored result can
//! be explained later even after the assay's configuration changes.

use super::results::{TestMethod, TestResult};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// An `[[assay]]` entry of kentai.toml.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Assay {
    pub name: String,
    pub method: TestMethod,
    /// The viral targets, as the instrument's target names spell them
    /// (matched case-insensitively), e.g. `["N1", "N2"]`.
    pub targets: Vec<String>,
    /// The internal (extraction / specimen) control target, e.g. `"RP"`.
    #[serde(default)]
    pub internal_control: Option<String>,
    /// A viral target with a Ct below this is detected.
    pub ct_cutoff: f64,
    /// The internal control passes with a Ct below this; `ct_cutoff` when not set.
    #[serde(default)]
    pub internal_control_cutoff: Option<f64>,
    /// Sample names of no-template controls (wells with the task NTC count too).
    #[serde(default)]
    pub ntc_names: Vec<String>,
    /// Sample names of positive controls (wells with the task positive control count too).
    #[serde(default)]
    pub positive_control_names: Vec<String>,
    /// The Ct range, inclusive, every viral target of a positive control
    /// must fall in; `[0, ct_cutoff]` when not set.
    #[serde(default)]
    pub positive_control_ct_range: Option<[f64; 2]>,
    #[serde(default)]
    pub rule: AssayRule,
    /// The LOINC code results of this assay are reported under.
    #[serde(default)]
    pub loinc: Option<String>,
    /// The JLAC10 code results of this assay are reported under.
    #[serde(default)]
    pub jlac10: Option<String>,
}

/// How the viral targets of a sample combine into its result.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AssayRule {
    /// Positive when any viral target is detected.
    #[default]
    AnyTarget,
    /// Positive when every viral target is detected; some is inconclusive.
    AllTargets,
}

impl AssayRule {
    pub const ALL: [AssayRule; 2] = [AssayRule::AnyTarget, AssayRule::AllTargets];

    pub fn code(self) -> &'static str {
        match self {
            AssayRule::AnyTarget => "any_target",
            AssayRule::AllTargets => "all_targets",
        }
    }

    pub fn from_code(code: &str) -> Option<AssayRule> {
        AssayRule::ALL.into_iter().find(|r| r.code() == code)
    }
}

impl Assay {
    /// The internal control's cutoff as applied.
    pub fn ic_cutoff(&self) -> f64 {
        self.internal_control_cutoff.unwrap_or(self.ct_cutoff)
    }

    /// The positive control's Ct range as applied.
    pub fn pc_range(&self) -> [f64; 2] {
        self.positive_control_ct_range
            .unwrap_or([0.0, self.ct_cutoff])
    }

    /// A short, stable text of the rule actually applied, e.g.
    /// `any_target<40;ic<40`. It is stored with each result as the
    /// interpretation that produced it, so it names the values in force
    /// rather than the fields that were left at their defaults.
    pub fn describe(&self) -> String {
        let mut s = format!("{}<{}", self.rule.code(), self.ct_cutoff);
        if self.internal_control.is_some() {
            s.push_str(&format!(";ic<{}", self.ic_cutoff()));
        }
        s
    }

    /// Checks an assay read from the configuration; the error names the
    /// assay and what is wrong, for the operator who wrote it.
    pub fn validate(&self) -> Result<(), String> {
        let name = self.name.trim();
        let fail = |what: String| Err(format!("assay {name:?}: {what}"));
        if name.is_empty() {
            return Err("assay: name is empty".to_string());
        }
        if self.targets.is_empty() {
            return fail("targets is empty".to_string());
        }
        for (i, t) in self.targets.iter().enumerate() {
            if t.trim().is_empty() {
                return fail("a target name is empty".to_string());
            }
            if self.targets[..i].iter().any(|u| same_name(t, u)) {
                return fail(format!("target {t:?} is listed twice"));
            }
        }
        if let Some(ic) = &self.internal_control {
            if ic.trim().is_empty() {
                return fail("internal_control is empty".to_string());
            }
            if self.targets.iter().any(|t| same_name(t, ic)) {
                return fail(format!("internal_control {ic:?} is also a viral target"));
            }
        } else if self.internal_control_cutoff.is_some() {
            return fail("internal_control_cutoff is set without an internal_control".to_string());
        }
        if !(self.ct_cutoff.is_finite() && self.ct_cutoff > 0.0) {
            return fail(format!(
                "ct_cutoff {} is not a positive number",
                self.ct_cutoff
            ));
        }
        if let Some(c) = self.internal_control_cutoff {
            if !(c.is_finite() && c > 0.0) {
                return fail(format!(
                    "internal_control_cutoff {c} is not a positive number"
                ));
            }
        }
        if let Some([lo, hi]) = self.positive_control_ct_range {
            if !(lo.is_finite() && hi.is_finite() && lo >= 0.0 && lo <= hi) {
                return fail(format!(
                    "positive_control_ct_range [{lo}, {hi}] is not an ordered range of Ct values"
                ));
            }
        }
        for n in self.ntc_names.iter().chain(&self.positive_control_names) {
            if n.trim().is_empty() {
                return fail("a control sample name is empty".to_string());
            }
        }
        if let Some(n) = self
            .ntc_names
            .iter()
            .find(|n| self.positive_control_names.iter().any(|p| same_name(n, p)))
        {
            return fail(format!(
                "{n:?} is both a no-template and a positive control name"
            ));
        }
        Ok(())
    }
}

/// A threshold cycle: a number, or undetermined (no amplification). It
/// reads and writes as a JSON number or `null`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "Option<f64>", into = "Option<f64>")]
pub enum Ct {
    Value(f64),
    Undetermined,
}

impl Ct {
    pub fn value(self) -> Option<f64> {
        match self {
            Ct::Value(v) => Some(v),
            Ct::Undetermined => None,
        }
    }
}

impl From<Option<f64>> for Ct {
    fn from(v: Option<f64>) -> Ct {
        v.map_or(Ct::Undetermined, Ct::Value)
    }
}

impl From<Ct> for Option<f64> {
    fn from(ct: Ct) -> Option<f64> {
        ct.value()
    }
}

impl utoipa::PartialSchema for Ct {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{KnownFormat, SchemaFormat, SchemaType, Type};
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(SchemaType::from_iter([Type::Number, Type::Null]))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Double)))
            .description(Some(
                "The threshold cycle; null when undetermined (no amplification).",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Ct {}

/// What the instrument's plate setup says a well is.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum WellTask {
    #[default]
    Unknown,
    Ntc,
    Standard,
    PositiveControl,
}

/// One target's reading in one well, as an instrument file gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct WellReading {
    /// The well, `A1` style.
    pub well: String,
    pub sample: String,
    pub target: String,
    pub task: WellTask,
    pub ct: Ct,
}

/// What a run's readings come to.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RunInterpretation {
    /// Any of these refuses the whole run: none of its calls may be recorded.
    pub control_failures: Vec<ControlFailure>,
    /// One per patient sample name, in the order the plate first shows them.
    pub samples: Vec<SampleCall>,
    /// Problems with single samples, to show beside their calls.
    pub problems: Vec<SampleProblem>,
}

impl RunInterpretation {
    /// Whether the run's controls failed, so that no call may be recorded.
    pub fn is_refused(&self) -> bool {
        !self.control_failures.is_empty()
    }
}

/// A control that failed, or that the plate lacks (then `well` is empty and
/// `sample` names the control names the assay expected).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ControlFailure {
    pub well: String,
    pub sample: String,
    pub target: Option<String>,
    #[serde(flatten)]
    pub kind: ControlFailureKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ControlFailureKind {
    /// A no-template control amplified.
    NtcAmplified {
        ct: f64,
    },
    /// A positive control's viral target did not amplify inside the range.
    PositiveControlOutOfRange {
        ct: Ct,
        range: [f64; 2],
    },
    MissingNtc,
    MissingPositiveControl,
}

/// The call for one patient sample.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SampleCall {
    pub sample: String,
    /// Every well the sample was found in; the call is made from the first.
    pub wells: Vec<String>,
    pub result: TestResult,
    /// The Ct of every known target read (viral and internal control),
    /// by the assay's spelling of its name; `None` for undetermined.
    pub ct: BTreeMap<String, Option<f64>>,
    /// [`Assay::describe`]: the rule that produced the call.
    pub rule: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SampleProblem {
    pub sample: String,
    #[serde(flatten)]
    pub kind: SampleProblemKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SampleProblemKind {
    /// The same sample name in more than one well: a pipetting or plate
    /// map mistake, or two tubes with one label.
    DuplicateWells { wells: Vec<String> },
    /// A target of the assay with no reading for the sample.
    MissingTarget { target: String },
    /// A reading of a target the assay does not know.
    UnknownTarget { target: String },
}

/// Instrument target and sample names are typed by hand in a plate setup,
/// so case and surrounding spaces are not meaningful.
fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

fn named(names: &[String], sample: &str) -> bool {
    names.iter().any(|n| same_name(n, sample))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Ignored,
    Ntc,
    PositiveControl,
    Patient,
}

fn role(assay: &Assay, r: &WellReading) -> Role {
    let sample = r.sample.trim();
    if r.task == WellTask::Standard {
        Role::Ignored
    } else if r.task == WellTask::Ntc || named(&assay.ntc_names, sample) {
        Role::Ntc
    } else if r.task == WellTask::PositiveControl || named(&assay.positive_control_names, sample) {
        Role::PositiveControl
    } else if sample.is_empty() {
        Role::Ignored
    } else {
        Role::Patient
    }
}

/// A target as the assay knows it: its spelling there and whether it is viral.
fn known_target<'a>(assay: &'a Assay, target: &str) -> Option<(&'a str, bool)> {
    if let Some(t) = assay.targets.iter().find(|t| same_name(t, target)) {
        return Some((t.as_str(), true));
    }
    assay
        .internal_control
        .as_deref()
        .filter(|ic| same_name(ic, target))
        .map(|ic| (ic, false))
}

/// A patient sample's readings as gathered from the plate.
struct Gathered<'a> {
    sample: &'a str,
    wells: Vec<&'a str>,
    /// The first well's readings, the ones the call is made from.
    first: Vec<&'a WellReading>,
    unknown_targets: Vec<&'a str>,
}

/// Judges a run: its controls, then each patient sample (see the module
/// documentation for the rules).
pub fn interpret(assay: &Assay, wells: &[WellReading]) -> RunInterpretation {
    let mut control_failures = Vec::new();
    let mut ntc_seen = false;
    // Positive-control wells in plate order, each with its readings.
    let mut pc_wells: Vec<(&str, &str, Vec<&WellReading>)> = Vec::new();
    let mut patients: Vec<Gathered> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();

    for r in wells {
        match role(assay, r) {
            Role::Ignored => {}
            Role::Ntc => {
                ntc_seen = true;
                if let Ct::Value(ct) = r.ct {
                    control_failures.push(ControlFailure {
                        well: r.well.clone(),
                        sample: r.sample.trim().to_string(),
                        target: Some(r.target.trim().to_string()),
                        kind: ControlFailureKind::NtcAmplified { ct },
                    });
                }
            }
            Role::PositiveControl => match pc_wells.iter_mut().find(|(w, _, _)| *w == r.well) {
                Some((_, _, readings)) => readings.push(r),
                None => pc_wells.push((r.well.as_str(), r.sample.trim(), vec![r])),
            },
            Role::Patient => {
                let sample = r.sample.trim();
                let i = *index.entry(sample).or_insert_with(|| {
                    patients.push(Gathered {
                        sample,
                        wells: vec![r.well.as_str()],
                        first: Vec::new(),
                        unknown_targets: Vec::new(),
                    });
                    patients.len() - 1
                });
                let g = &mut patients[i];
                if !g.wells.contains(&r.well.as_str()) {
                    g.wells.push(r.well.as_str());
                }
                if known_target(assay, &r.target).is_none() {
                    let t = r.target.trim();
                    if !g.unknown_targets.iter().any(|u| same_name(u, t)) {
                        g.unknown_targets.push(t);
                    }
                } else if g.wells[0] == r.well.as_str() {
                    g.first.push(r);
                }
            }
        }
    }

    let range = assay.pc_range();
    for (well, sample, readings) in &pc_wells {
        for target in &assay.targets {
            let ct = readings
                .iter()
                .find(|r| same_name(&r.target, target))
                .map_or(Ct::Undetermined, |r| r.ct);
            let in_range = matches!(ct, Ct::Value(v) if v >= range[0] && v <= range[1]);
            if !in_range {
                control_failures.push(ControlFailure {
                    well: well.to_string(),
                    sample: sample.to_string(),
                    target: Some(target.clone()),
                    kind: ControlFailureKind::PositiveControlOutOfRange { ct, range },
                });
            }
        }
    }
    if !assay.ntc_names.is_empty() && !ntc_seen {
        control_failures.push(ControlFailure {
            well: String::new(),
            sample: assay.ntc_names.join(", "),
            target: None,
            kind: ControlFailureKind::MissingNtc,
        });
    }
    if !assay.positive_control_names.is_empty() && pc_wells.is_empty() {
        control_failures.push(ControlFailure {
            well: String::new(),
            sample: assay.positive_control_names.join(", "),
            target: None,
            kind: ControlFailureKind::MissingPositiveControl,
        });
    }

    let rule = assay.describe();
    let mut samples = Vec::with_capacity(patients.len());
    let mut problems = Vec::new();
    for g in &patients {
        let problem = |kind| SampleProblem {
            sample: g.sample.to_string(),
            kind,
        };
        if g.wells.len() > 1 {
            problems.push(problem(SampleProblemKind::DuplicateWells {
                wells: g.wells.iter().map(|w| w.to_string()).collect(),
            }));
        }
        for t in &g.unknown_targets {
            problems.push(problem(SampleProblemKind::UnknownTarget {
                target: t.to_string(),
            }));
        }
        let (result, ct, missing) = call(assay, &g.first);
        for target in missing {
            problems.push(problem(SampleProblemKind::MissingTarget { target }));
        }
        samples.push(SampleCall {
            sample: g.sample.to_string(),
            wells: g.wells.iter().map(|w| w.to_string()).collect(),
            result,
            ct,
            rule: rule.clone(),
        });
    }

    RunInterpretation {
        control_failures,
        samples,
        problems,
    }
}

/// One sample's call from its (first well's, known-target) readings: the
/// result, the Ct map, and the assay targets that were not read.
fn call(
    assay: &Assay,
    readings: &[&WellReading],
) -> (TestResult, BTreeMap<String, Option<f64>>, Vec<String>) {
    let mut ct: BTreeMap<String, Option<f64>> = BTreeMap::new();
    for r in readings {
        if let Some((name, _)) = known_target(assay, &r.target) {
            // A target read twice in one well: the first row counts.
            ct.entry(name.to_string()).or_insert(r.ct.value());
        }
    }
    let mut missing: Vec<String> = Vec::new();
    let mut detected = 0usize;
    for t in &assay.targets {
        match ct.get(t) {
            None => missing.push(t.clone()),
            Some(Some(v)) if *v < assay.ct_cutoff => detected += 1,
            Some(_) => {}
        }
    }
    let ic = assay
        .internal_control
        .as_ref()
        .map(|ic| ct.get(ic).copied());
    if let Some(None) = ic {
        missing.extend(assay.internal_control.clone());
    }

    let any = detected > 0;
    let all = detected == assay.targets.len();
    let result = match assay.rule {
        AssayRule::AnyTarget if any => TestResult::Positive,
        AssayRule::AllTargets if all && any => TestResult::Positive,
        AssayRule::AllTargets if any => TestResult::Inconclusive,
        // Here nothing was detected: an unread viral target might have been.
        _ if missing.iter().any(|m| assay.targets.contains(m)) => TestResult::Inconclusive,
        _ => match ic {
            None => TestResult::Negative,
            Some(Some(Some(v))) if v < assay.ic_cutoff() => TestResult::Negative,
            Some(_) => TestResult::Invalid,
        },
    };
    (result, ct, missing)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sars2() -> Assay {
        Assay {
            name: "sars2-n1n2".to_string(),
            method: TestMethod::Pcr,
            targets: vec!["N1".to_string(), "N2".to_string()],
            internal_control: Some("RP".to_string()),
            ct_cutoff: 40.0,
            internal_control_cutoff: None,
            ntc_names: vec!["NTC".to_string()],
            positive_control_names: vec!["PC".to_string()],
            positive_control_ct_range: Some([20.0, 35.0]),
            rule: AssayRule::AnyTarget,
            loinc: None,
            jlac10: None,
        }
    }

    /// A rule-table row: its name, the assay, one well's readings, the call.
    type RuleCase<'a> = (&'a str, &'a Assay, Vec<(&'a str, Option<f64>)>, TestResult);

    /// A control-table row: its name, the plate's wells, the failures.
    type ControlCase = (&'static str, Vec<Vec<WellReading>>, Vec<ControlFailure>);

    fn ct(v: Option<f64>) -> Ct {
        Ct::from(v)
    }

    /// One well's readings: `(target, Ct)`.
    fn well(
        well: &str,
        sample: &str,
        task: WellTask,
        cts: &[(&str, Option<f64>)],
    ) -> Vec<WellReading> {
        cts.iter()
            .map(|(t, c)| WellReading {
                well: well.to_string(),
                sample: sample.to_string(),
                target: t.to_string(),
                task,
                ct: ct(*c),
            })
            .collect()
    }

    /// A plate with passing controls, then the given wells.
    fn plate(rest: &[Vec<WellReading>]) -> Vec<WellReading> {
        let mut all = well(
            "H11",
            "NTC",
            WellTask::Ntc,
            &[("N1", None), ("N2", None), ("RP", None)],
        );
        all.extend(well(
            "H12",
            "PC",
            WellTask::PositiveControl,
            &[("N1", Some(28.4)), ("N2", Some(29.1)), ("RP", Some(28.0))],
        ));
        for w in rest {
            all.extend(w.iter().cloned());
        }
        all
    }

    #[test]
    fn the_example_assay_is_valid_and_describes_its_rule() {
        let a = sars2();
        assert_eq!(a.validate(), Ok(()));
        assert_eq!(a.describe(), "any_target<40;ic<40");
        let b = Assay {
            rule: AssayRule::AllTargets,
            ct_cutoff: 37.5,
            internal_control_cutoff: Some(35.0),
            ..sars2()
        };
        assert_eq!(b.describe(), "all_targets<37.5;ic<35");
        let c = Assay {
            internal_control: None,
            ..sars2()
        };
        assert_eq!(c.describe(), "any_target<40");
    }

    #[test]
    fn an_assay_reads_from_toml_with_its_defaults() {
        let a: Assay = toml::from_str(
            r#"
            name = "sars2-n1n2"
            method = "pcr"
            targets = ["N1", "N2"]
            internal_control = "RP"
            ct_cutoff = 40
            ntc_names = ["NTC"]
            positive_control_names = ["PC"]
            positive_control_ct_range = [20, 35]
            "#,
        )
        .unwrap();
        assert_eq!(a, sars2());
        assert_eq!(a.ic_cutoff(), 40.0);
        let all: Assay = toml::from_str(
            "name = \"x\"\nmethod = \"lamp\"\ntargets = [\"A\"]\nct_cutoff = 30\nrule = \"all_targets\"\n",
        )
        .unwrap();
        assert_eq!(all.rule, AssayRule::AllTargets);
        assert_eq!(all.pc_range(), [0.0, 30.0]);
        assert!(toml::from_str::<Assay>(
            "name = \"x\"\nmethod = \"pcr\"\ntargets = [\"A\"]\nct_cutoff = 30\ncutof = 1\n"
        )
        .is_err());
        assert_eq!(
            AssayRule::from_code("all_targets"),
            Some(AssayRule::AllTargets)
        );
        assert_eq!(AssayRule::default().code(), "any_target");
    }

    #[test]
    fn invalid_assays_are_refused_with_the_reason() {
        let cases: Vec<(&str, Assay)> = vec![
            (
                "name is empty",
                Assay {
                    name: " ".into(),
                    ..sars2()
                },
            ),
            (
                "targets is empty",
                Assay {
                    targets: vec![],
                    ..sars2()
                },
            ),
            (
                "listed twice",
                Assay {
                    targets: vec!["N1".into(), "n1".into()],
                    ..sars2()
                },
            ),
            (
                "also a viral target",
                Assay {
                    internal_control: Some("N2".into()),
                    ..sars2()
                },
            ),
            (
                "ct_cutoff",
                Assay {
                    ct_cutoff: 0.0,
                    ..sars2()
                },
            ),
            (
                "ct_cutoff",
                Assay {
                    ct_cutoff: f64::NAN,
                    ..sars2()
                },
            ),
            (
                "internal_control_cutoff",
                Assay {
                    internal_control_cutoff: Some(-1.0),
                    ..sars2()
                },
            ),
            (
                "without an internal_control",
                Assay {
                    internal_control: None,
                    internal_control_cutoff: Some(35.0),
                    ..sars2()
                },
            ),
            (
                "ordered range",
                Assay {
                    positive_control_ct_range: Some([35.0, 20.0]),
                    ..sars2()
                },
            ),
            (
                "both a no-template",
                Assay {
                    positive_control_names: vec!["ntc".into()],
                    ..sars2()
                },
            ),
        ];
        for (want, assay) in cases {
            let err = assay.validate().unwrap_err();
            assert!(err.contains(want), "{err:?} should say {want:?}");
        }
    }

    #[test]
    fn ct_reads_and_writes_as_a_number_or_null() {
        assert_eq!(serde_json::to_string(&Ct::Value(24.1)).unwrap(), "24.1");
        assert_eq!(serde_json::to_string(&Ct::Undetermined).unwrap(), "null");
        assert_eq!(
            serde_json::from_str::<Ct>("null").unwrap(),
            Ct::Undetermined
        );
        assert_eq!(serde_json::from_str::<Ct>("35.2").unwrap(), Ct::Value(35.2));
    }

    #[test]
    fn sample_calls_follow_the_rule_table() {
        use TestResult::*;
        let u = WellTask::Unknown;
        let any = sars2();
        let all = Assay {
            rule: AssayRule::AllTargets,
            ..sars2()
        };
        let no_ic = Assay {
            internal_control: None,
            ..sars2()
        };
        let late_ic = Assay {
            internal_control_cutoff: Some(30.0),
            ..sars2()
        };
        #[rustfmt::skip]
        let cases: Vec<RuleCase> = vec![
            ("any target: both detected is positive", &any, vec![("N1", Some(24.1)), ("N2", Some(25.3)), ("RP", Some(27.0))], Positive),
            ("any target: one detected is positive", &any, vec![("N1", None), ("N2", Some(36.0)), ("RP", Some(27.0))], Positive),
            ("any target: a positive stays positive when the IC fails", &any, vec![("N1", Some(22.0)), ("N2", None), ("RP", None)], Positive),
            ("any target: none detected with the IC passing is negative", &any, vec![("N1", None), ("N2", None), ("RP", Some(27.0))], Negative),
            ("any target: a Ct at the cutoff is not detected", &any, vec![("N1", Some(40.0)), ("N2", None), ("RP", Some(27.0))], Negative),
            ("any target: none detected with the IC undetermined is invalid", &any, vec![("N1", None), ("N2", None), ("RP", None)], Invalid),
            ("any target: an IC above its own cutoff is invalid", &late_ic, vec![("N1", None), ("N2", None), ("RP", Some(31.0))], Invalid),
            ("any target: an IC not read at all is invalid", &any, vec![("N1", None), ("N2", None)], Invalid),
            ("any target: a missing target makes a negative inconclusive", &any, vec![("N1", None), ("RP", Some(27.0))], Inconclusive),
            ("any target: a missing target does not undo a positive", &any, vec![("N2", Some(30.0)), ("RP", Some(27.0))], Positive),
            ("without an IC none detected is negative", &no_ic, vec![("N1", None), ("N2", None)], Negative),
            ("all targets: both detected is positive", &all, vec![("N1", Some(24.1)), ("N2", Some(25.3)), ("RP", Some(27.0))], Positive),
            ("all targets: one detected is inconclusive", &all, vec![("N1", Some(24.1)), ("N2", None), ("RP", Some(27.0))], Inconclusive),
            ("all targets: one detected and one missing is inconclusive", &all, vec![("N1", Some(24.1)), ("RP", Some(27.0))], Inconclusive),
            ("all targets: none detected with the IC passing is negative", &all, vec![("N1", None), ("N2", None), ("RP", Some(27.0))], Negative),
            ("all targets: none detected with the IC failing is invalid", &all, vec![("N1", None), ("N2", None), ("RP", None)], Invalid),
            ("target names match whatever their case", &any, vec![("n1", Some(24.1)), ("n2 ", None), ("rp", Some(27.0))], Positive),
        ];
        for (name, assay, cts, want) in cases {
            let run = interpret(assay, &plate(&[well("A1", "R26-0001", u, &cts)]));
            assert!(run.control_failures.is_empty(), "{name}: {run:?}");
            assert_eq!(run.samples.len(), 1, "{name}");
            assert_eq!(run.samples[0].result, want, "{name}");
            assert_eq!(run.samples[0].rule, assay.describe(), "{name}");
        }
    }

    #[test]
    fn a_missing_target_is_reported_as_a_problem() {
        let run = interpret(
            &sars2(),
            &plate(&[well("A1", "R26-0001", WellTask::Unknown, &[("N2", None)])]),
        );
        let missing: Vec<&SampleProblemKind> = run.problems.iter().map(|p| &p.kind).collect();
        assert_eq!(
            missing,
            [
                &SampleProblemKind::MissingTarget {
                    target: "N1".into()
                },
                &SampleProblemKind::MissingTarget {
                    target: "RP".into()
                },
            ]
        );
        assert_eq!(run.samples[0].result, TestResult::Inconclusive);
    }

    #[test]
    fn the_ct_map_holds_every_known_target_and_reports_unknown_ones() {
        let run = interpret(
            &sars2(),
            &plate(&[well(
                "A1",
                "R26-0001",
                WellTask::Unknown,
                &[
                    ("N1", Some(24.1)),
                    ("N2", None),
                    ("RP", Some(27.0)),
                    ("E", Some(20.0)),
                ],
            )]),
        );
        let call = &run.samples[0];
        assert_eq!(
            call.ct,
            BTreeMap::from([
                ("N1".to_string(), Some(24.1)),
                ("N2".to_string(), None),
                ("RP".to_string(), Some(27.0)),
            ])
        );
        assert_eq!(
            run.problems,
            [SampleProblem {
                sample: "R26-0001".into(),
                kind: SampleProblemKind::UnknownTarget { target: "E".into() },
            }]
        );
    }

    #[test]
    fn a_sample_in_two_wells_is_called_from_the_first_and_reported() {
        let u = WellTask::Unknown;
        let run = interpret(
            &sars2(),
            &plate(&[
                well(
                    "A1",
                    "R26-0001",
                    u,
                    &[("N1", None), ("N2", None), ("RP", Some(27.0))],
                ),
                well(
                    "A2",
                    "R26-0002",
                    u,
                    &[("N1", None), ("N2", None), ("RP", Some(27.0))],
                ),
                well(
                    "A3",
                    "R26-0001",
                    u,
                    &[("N1", Some(20.0)), ("N2", None), ("RP", Some(27.0))],
                ),
            ]),
        );
        let names: Vec<&str> = run.samples.iter().map(|s| s.sample.as_str()).collect();
        assert_eq!(names, ["R26-0001", "R26-0002"]);
        assert_eq!(run.samples[0].wells, ["A1", "A3"]);
        assert_eq!(run.samples[0].result, TestResult::Negative);
        assert_eq!(
            run.problems,
            [SampleProblem {
                sample: "R26-0001".into(),
                kind: SampleProblemKind::DuplicateWells {
                    wells: vec!["A1".into(), "A3".into()]
                },
            }]
        );
    }

    #[test]
    fn controls_fail_the_run_by_the_control_rules() {
        let u = WellTask::Unknown;
        let patient = well(
            "A1",
            "R26-0001",
            u,
            &[("N1", None), ("N2", None), ("RP", Some(27.0))],
        );
        let ntc_ok = well(
            "H11",
            "NTC",
            WellTask::Ntc,
            &[("N1", None), ("N2", None), ("RP", None)],
        );
        let pc_ok = well(
            "H12",
            "PC",
            WellTask::PositiveControl,
            &[("N1", Some(28.4)), ("N2", Some(29.1))],
        );
        let failures = |wells: Vec<Vec<WellReading>>| -> Vec<ControlFailure> {
            let flat: Vec<WellReading> = wells.into_iter().flatten().collect();
            interpret(&sars2(), &flat).control_failures
        };
        let f = |well: &str, sample: &str, target: Option<&str>, kind| ControlFailure {
            well: well.into(),
            sample: sample.into(),
            target: target.map(str::to_string),
            kind,
        };
        #[rustfmt::skip]
        let cases: Vec<ControlCase> = vec![
            ("passing controls fail nothing", vec![ntc_ok.clone(), pc_ok.clone(), patient.clone()], vec![]),
            (
                "an NTC with any Ct fails, even its internal control",
                vec![well("H11", "NTC", WellTask::Ntc, &[("N1", Some(35.2)), ("N2", None), ("RP", Some(38.0))]), pc_ok.clone()],
                vec![
                    f("H11", "NTC", Some("N1"), ControlFailureKind::NtcAmplified { ct: 35.2 }),
                    f("H11", "NTC", Some("RP"), ControlFailureKind::NtcAmplified { ct: 38.0 }),
                ],
            ),
            (
                "an NTC named so but set up as unknown is still an NTC",
                vec![well("H11", "ntc", u, &[("N1", Some(36.0))]), pc_ok.clone()],
                vec![f("H11", "ntc", Some("N1"), ControlFailureKind::NtcAmplified { ct: 36.0 })],
            ),
            (
                "a positive control out of range, undetermined or unread fails",
                vec![ntc_ok.clone(), well("H12", "PC", WellTask::PositiveControl, &[("N1", Some(36.0))]), well("G12", "PC", u, &[("N1", None), ("N2", Some(20.0))])],
                vec![
                    f("H12", "PC", Some("N1"), ControlFailureKind::PositiveControlOutOfRange { ct: Ct::Value(36.0), range: [20.0, 35.0] }),
                    f("H12", "PC", Some("N2"), ControlFailureKind::PositiveControlOutOfRange { ct: Ct::Undetermined, range: [20.0, 35.0] }),
                    f("G12", "PC", Some("N1"), ControlFailureKind::PositiveControlOutOfRange { ct: Ct::Undetermined, range: [20.0, 35.0] }),
                ],
            ),
            (
                "a plate without its NTC fails",
                vec![pc_ok.clone(), patient.clone()],
                vec![f("", "NTC", None, ControlFailureKind::MissingNtc)],
            ),
            (
                "a plate without either control fails twice",
                vec![patient.clone()],
                vec![f("", "NTC", None, ControlFailureKind::MissingNtc), f("", "PC", None, ControlFailureKind::MissingPositiveControl)],
            ),
            (
                "a control known only by its task counts without a name",
                vec![well("H11", "", WellTask::Ntc, &[("N1", None)]), pc_ok.clone()],
                vec![],
            ),
        ];
        for (name, wells, want) in cases {
            assert_eq!(failures(wells), want, "{name}");
        }
    }

    #[test]
    fn an_assay_naming_no_controls_accepts_a_plate_without_them() {
        let assay = Assay {
            ntc_names: vec![],
            positive_control_names: vec![],
            ..sars2()
        };
        let wells = well(
            "A1",
            "R26-0001",
            WellTask::Unknown,
            &[("N1", None), ("N2", None), ("RP", Some(27.0))],
        );
        let run = interpret(&assay, &wells);
        assert!(!run.is_refused());
        assert_eq!(run.samples[0].result, TestResult::Negative);
    }

    #[test]
    fn standards_and_empty_wells_are_ignored() {
        let run = interpret(
            &sars2(),
            &plate(&[
                well("A1", "STD-1", WellTask::Standard, &[("N1", Some(22.0))]),
                well("A2", " ", WellTask::Unknown, &[("N1", None)]),
            ]),
        );
        assert!(run.samples.is_empty() && run.problems.is_empty() && !run.is_refused());
    }

    #[test]
    fn failures_and_problems_serialize_flat_with_their_kind() {
        let f = ControlFailure {
            well: "H11".into(),
            sample: "NTC".into(),
            target: Some("N1".into()),
            kind: ControlFailureKind::NtcAmplified { ct: 35.2 },
        };
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            serde_json::json!({"well": "H11", "sample": "NTC", "target": "N1", "kind": "ntc_amplified", "ct": 35.2})
        );
        let p = SampleProblem {
            sample: "R26-0020".into(),
            kind: SampleProblemKind::DuplicateWells {
                wells: vec!["B8".into(), "G8".into()],
            },
        };
        assert_eq!(
            serde_json::to_value(&p).unwrap(),
            serde_json::json!({"sample": "R26-0020", "kind": "duplicate_wells", "wells": ["B8", "G8"]})
        );
    }
}
