//! PCR instrument files in (docs/RULES.md, results): read, judged by the assay, shown
//! as a preview, then committed in one transaction.
//!
//! A preview records no result. It is kept (by the file's content hash)
//! so the commit needs only its id and the person's decisions, and so the
//! same file imported twice is the same import: once committed, a second
//! commit changes nothing. A run whose controls failed is refused whole
//! and nothing of it is kept. Samples the lab must look at (no such tube,
//! a tube already resulted differently, a sample in two wells, a missing
//! target, a tube not yet received) each need an explicit decision; the
//! commit checks them again against the records as they are then.

use super::results::{enter, site_receives, unknown_assay, CtValues, Entry};
use super::views::{specimen_row, standing_row};
use super::{audit, naive, ActionError, Actor, Ctx};
use crate::domain::assay::{
    interpret, Assay, ControlFailure, ControlFailureKind, SampleCall, SampleProblemKind,
};
use crate::domain::messages::ResultMsg;
use crate::domain::results::{ResultStatus, TestMethod, TestResult};
use crate::domain::roles::Action;
use crate::domain::{Msg, Notice, RuleCode, SpecimenStatus};
use crate::instruments::{self, Format};
use crate::store::models::{ResultImportRow, ResultRow, SpecimenRow};
use crate::store::schema::{result_imports, results, specimens};
use crate::store::DbConnection;
use chrono::{DateTime, FixedOffset, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The largest instrument file taken (a 384-well multiplex export is
/// well under 1 MB).
pub const MAX_FILE_BYTES: usize = 8 * 1024 * 1024;

/// `POST /api/v1/results/imports?format=…&assay=…`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `quantstudio`, `cfx` or `generic` (columns from `[results] generic`).
    #[param(schema_with = formats)]
    pub format: String,
    /// The `[[assay]]` whose targets, cut-off and controls read the run.
    pub assay: String,
    /// The file's name, to show beside the import.
    pub file_name: Option<String>,
}

fn formats() -> utoipa::openapi::Object {
    crate::openapi::one_of(
        &["quantstudio", "cfx", "generic"],
        "`quantstudio`, `cfx` or `generic`.",
    )
}

/// What importing a sample does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RowAction {
    /// A new result for the tube.
    Record,
    /// The tube already has this result: nothing to do.
    Same,
    /// A person decides (see `problems`).
    Decide,
}

/// Why a sample needs a decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProblemCode {
    /// No tube is registered under the sample name: only `skip`.
    UnknownSample,
    /// The sample is in more than one well: `record` (from the first
    /// well) or `skip`.
    DuplicateSample,
    /// The tube has another result: `correct` (with a reason) or `skip`.
    ResultDiffers,
    MissingTarget,
    UnknownTarget,
    /// The tube's package has not been received at this lab.
    NotReceived,
}

impl ProblemCode {
    fn allows(self, decision: Decision) -> bool {
        match self {
            ProblemCode::UnknownSample => decision == Decision::Skip,
            ProblemCode::ResultDiffers => decision != Decision::Record,
            _ => decision != Decision::Correct,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RowProblem {
    pub code: ProblemCode,
    pub message: Msg,
}

/// The result standing on a tube before the import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Current {
    pub version: i32,
    pub result: TestResult,
    pub status: ResultStatus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PreviewRow {
    /// The sample name as the instrument wrote it.
    pub sample: String,
    /// The tube it names, when one is registered.
    pub specimen_id: Option<String>,
    pub wells: Vec<String>,
    pub result: TestResult,
    #[schema(value_type = std::collections::BTreeMap<String, Option<f64>>)]
    pub ct: CtValues,
    /// The interpretation rule that called the result.
    pub rule: String,
    pub action: RowAction,
    pub current: Option<Current>,
    pub problems: Vec<RowProblem>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Counts {
    pub rows: usize,
    pub record: usize,
    pub same: usize,
    pub decide: usize,
    pub positive: usize,
    pub negative: usize,
    pub inconclusive: usize,
    pub invalid: usize,
}

/// What a commit did.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Committed {
    pub recorded: usize,
    pub skipped: usize,
    pub unchanged: usize,
    /// The tubes given a result, each with its new version.
    pub results: Vec<CommittedResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CommittedResult {
    pub specimen_id: String,
    pub version: i32,
    pub result: TestResult,
    pub status: ResultStatus,
}

/// An import as the lab sees it: the run, each sample's call and what
/// importing it would do (or did).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preview {
    pub import_id: String,
    /// `previewed`, or `committed` (then `committed` says what it did).
    pub status: String,
    pub format: Format,
    pub assay: String,
    pub method: TestMethod,
    pub file_name: Option<String>,
    pub instrument: Option<String>,
    pub run_name: Option<String>,
    pub run_end: Option<String>,
    pub rows: Vec<PreviewRow>,
    /// Every row's problems, one list (what the commit needs decisions for).
    pub problems: Vec<SampleProblemView>,
    pub counts: Counts,
    pub created_by: Option<String>,
    pub created_at: Option<DateTime<FixedOffset>>,
    pub committed: Option<Committed>,
    pub committed_at: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SampleProblemView {
    pub sample: String,
    pub code: ProblemCode,
    pub message: Msg,
}

/// A person's decision on one sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// Leave the sample out.
    Skip,
    /// Record it as the run called it.
    Record,
    /// Record it as a correction of the tube's result (needs `reason`).
    Correct,
}

impl Decision {
    fn code(self) -> &'static str {
        match self {
            Decision::Skip => "skip",
            Decision::Record => "record",
            Decision::Correct => "correct",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleDecision {
    pub sample: String,
    pub decision: Decision,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommitImport {
    #[serde(default)]
    pub decisions: Vec<SampleDecision>,
}

/// The answer to a commit; `created` false when the import was committed
/// before (HTTP 200 instead of 201).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CommitAnswer {
    pub import_id: String,
    #[serde(flatten)]
    pub committed: Committed,
    pub created: bool,
}

fn bad_file(e: instruments::ParseError) -> ActionError {
    ActionError::Invalid(Notice::new(
        RuleCode::UnreadableFile,
        ResultMsg::UnreadableFile {
            line: e.line,
            reason: e.reason,
        },
    ))
}

fn assay_named<'a>(ctx: &'a Ctx, name: &str) -> Result<&'a Assay, ActionError> {
    if ctx.config.assays.is_empty() {
        return Err(ActionError::Invalid(Notice::new(
            RuleCode::UnknownAssay,
            ResultMsg::NoAssayConfigured,
        )));
    }
    ctx.config
        .assays
        .iter()
        .find(|a| a.name == name)
        .ok_or_else(|| unknown_assay(name))
}

fn control_notice(f: &ControlFailure) -> Notice {
    let message = match &f.kind {
        ControlFailureKind::NtcAmplified { ct } => ResultMsg::NtcAmplified {
            well: f.well.clone(),
            sample: f.sample.clone(),
            target: f.target.clone(),
            ct: Some(*ct),
        },
        ControlFailureKind::PositiveControlOutOfRange { ct, range } => {
            ResultMsg::PositiveControlOutOfRange {
                well: f.well.clone(),
                sample: f.sample.clone(),
                target: f.target.clone(),
                ct: ct.value(),
                min: range[0],
                max: range[1],
            }
        }
        ControlFailureKind::MissingNtc => ResultMsg::MissingNtc,
        ControlFailureKind::MissingPositiveControl => ResultMsg::MissingPositiveControl,
    };
    Notice::new(RuleCode::RunControlsFailed, message)
}

/// A file read and judged: the run and its calls, or the refusal.
struct Run {
    file: instruments::PlateFile,
    calls: Vec<SampleCall>,
    problems: HashMap<String, Vec<SampleProblemKind>>,
}

fn read_run(ctx: &Ctx, format: Format, assay: &Assay, bytes: &[u8]) -> Result<Run, ActionError> {
    let file = instruments::parse(format, bytes, &ctx.config.results.generic).map_err(bad_file)?;
    let judged = interpret(assay, &file.wells);
    if judged.is_refused() {
        let mut refusals = vec![Notice::new(
            RuleCode::RunControlsFailed,
            ResultMsg::RunControlsFailed {
                failures: judged.control_failures.len(),
            },
        )];
        refusals.extend(judged.control_failures.iter().map(control_notice));
        return Err(ActionError::Refused {
            refusals,
            overridable: false,
        });
    }
    if judged.samples.is_empty() {
        return Err(ActionError::Invalid(Notice::new(
            RuleCode::UnreadableFile,
            ResultMsg::EmptyRun,
        )));
    }
    let mut problems: HashMap<String, Vec<SampleProblemKind>> = HashMap::new();
    for p in judged.problems {
        problems.entry(p.sample).or_default().push(p.kind);
    }
    Ok(Run {
        file,
        calls: judged.samples,
        problems,
    })
}

/// The tube a sample name names: as written, or in capitals (plate set-up
/// software leaves case to whoever typed it; kentai's tube ids are
/// capitals).
fn tube_for<'a>(sample: &str, tubes: &'a HashMap<String, SpecimenRow>) -> Option<&'a SpecimenRow> {
    let name = sample.trim();
    tubes.get(name).or_else(|| tubes.get(&name.to_uppercase()))
}

/// Each call, with the plate's own problems, against the records as they
/// stand.
fn assess(
    ctx: &Ctx,
    c: &mut DbConnection,
    assay: &Assay,
    calls: &[SampleCall],
    plate_problems: &HashMap<String, Vec<SampleProblemKind>>,
) -> Result<Vec<PreviewRow>, ActionError> {
    let mut names: Vec<String> = Vec::new();
    for call in calls {
        let name = call.sample.trim().to_string();
        names.push(name.to_uppercase());
        names.push(name);
    }
    let tubes: HashMap<String, SpecimenRow> = specimens::table
        .filter(specimens::facility_code.eq(ctx.facility()))
        .filter(specimens::specimen_id.eq_any(&names))
        .select(SpecimenRow::as_select())
        .load::<SpecimenRow>(c)?
        .into_iter()
        .map(|s| (s.specimen_id.clone(), s))
        .collect();
    let ids: Vec<&String> = tubes.keys().collect();
    let mut versions: HashMap<String, Vec<ResultRow>> = HashMap::new();
    for r in results::table
        .filter(results::specimen_id.eq_any(ids))
        .select(ResultRow::as_select())
        .load::<ResultRow>(c)?
    {
        versions.entry(r.specimen_id.clone()).or_default().push(r);
    }
    let receives = site_receives(ctx);
    let rows = calls
        .iter()
        .map(|call| {
            let tube = tube_for(&call.sample, &tubes);
            let mut problems: Vec<RowProblem> = Vec::new();
            let mut problem = |code: ProblemCode, message: ResultMsg| {
                problems.push(RowProblem {
                    code,
                    message: message.into(),
                })
            };
            let sample = call.sample.clone();
            for kind in plate_problems.get(&call.sample).into_iter().flatten() {
                match kind {
                    SampleProblemKind::DuplicateWells { wells } => problem(
                        ProblemCode::DuplicateSample,
                        ResultMsg::DuplicateSample {
                            sample: sample.clone(),
                            wells: wells.clone(),
                        },
                    ),
                    SampleProblemKind::MissingTarget { target } => problem(
                        ProblemCode::MissingTarget,
                        ResultMsg::MissingTarget {
                            sample: sample.clone(),
                            target: target.clone(),
                        },
                    ),
                    SampleProblemKind::UnknownTarget { target } => problem(
                        ProblemCode::UnknownTarget,
                        ResultMsg::UnknownTarget {
                            sample: sample.clone(),
                            target: target.clone(),
                        },
                    ),
                }
            }
            let mut current = None;
            let mut same = false;
            match tube {
                None => problem(
                    ProblemCode::UnknownSample,
                    ResultMsg::UnknownSample {
                        sample: sample.clone(),
                    },
                ),
                Some(t) => {
                    if receives && t.status()? != SpecimenStatus::Received {
                        problem(
                            ProblemCode::NotReceived,
                            ResultMsg::NotReceivedYet {
                                sample: sample.clone(),
                            },
                        );
                    }
                    let rows = versions
                        .get(&t.specimen_id)
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    if let Some(standing) = standing_row(rows) {
                        let v = standing.as_version()?;
                        current = Some(Current {
                            version: v.version,
                            result: v.result,
                            status: v.status,
                        });
                        if v.result == call.result && v.method == assay.method {
                            same = true;
                        } else {
                            problem(
                                ProblemCode::ResultDiffers,
                                ResultMsg::ResultDiffers {
                                    sample: sample.clone(),
                                    current: v.result,
                                    imported: call.result,
                                },
                            );
                        }
                    }
                }
            }
            let action = if !problems.is_empty() {
                RowAction::Decide
            } else if same {
                RowAction::Same
            } else {
                RowAction::Record
            };
            Ok(PreviewRow {
                sample,
                specimen_id: tube.map(|t| t.specimen_id.clone()),
                wells: call.wells.clone(),
                result: call.result,
                ct: call.ct.clone(),
                rule: call.rule.clone(),
                action,
                current,
                problems,
            })
        })
        .collect::<Result<_, crate::store::StoreError>>()?;
    Ok(rows)
}

fn counts(rows: &[PreviewRow]) -> Counts {
    let mut n = Counts {
        rows: rows.len(),
        ..Counts::default()
    };
    for r in rows {
        match r.action {
            RowAction::Record => n.record += 1,
            RowAction::Same => n.same += 1,
            RowAction::Decide => n.decide += 1,
        }
        match r.result {
            TestResult::Positive => n.positive += 1,
            TestResult::Negative => n.negative += 1,
            TestResult::Inconclusive => n.inconclusive += 1,
            TestResult::Invalid => n.invalid += 1,
        }
    }
    n
}

fn problem_list(rows: &[PreviewRow]) -> Vec<SampleProblemView> {
    rows.iter()
        .flat_map(|r| {
            r.problems.iter().map(|p| SampleProblemView {
                sample: r.sample.clone(),
                code: p.code,
                message: p.message.clone(),
            })
        })
        .collect()
}

fn content_hash(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads an instrument file and answers what importing it would do;
/// records no result.
pub fn preview(
    ctx: &Ctx,
    actor: &Actor,
    query: &ImportQuery,
    bytes: &[u8],
    now: DateTime<Utc>,
) -> Result<Preview, ActionError> {
    actor.require(Action::RecordResult)?;
    let format = Format::from_code(&query.format).ok_or_else(|| {
        ActionError::invalid(ResultMsg::UnknownFormat {
            format: query.format.clone(),
        })
    })?;
    if let Some(name) = &query.file_name {
        super::check_text("file_name", name, 255)?;
    }
    let assay = assay_named(ctx, &query.assay)?;
    let run = read_run(ctx, format, assay, bytes)?;
    let hash = content_hash(bytes);
    let import_id = hash[..20].to_string();
    ctx.write(|c| {
        let stored: Option<ResultImportRow> = result_imports::table
            .filter(result_imports::facility_code.eq(ctx.facility()))
            .filter(result_imports::content_hash.eq(&hash))
            .select(ResultImportRow::as_select())
            .first(c)
            .optional()?;
        if let Some(row) = stored.filter(|r| r.status == "committed") {
            return stored_preview(ctx, &row);
        }
        let rows = assess(ctx, c, assay, &run.calls, &run.problems)?;
        let preview = Preview {
            import_id: import_id.clone(),
            status: "previewed".into(),
            format,
            assay: assay.name.clone(),
            method: assay.method,
            file_name: query.file_name.clone(),
            instrument: run.file.instrument.clone(),
            run_name: run.file.run_name.clone(),
            run_end: run.file.run_end.clone(),
            problems: problem_list(&rows),
            counts: counts(&rows),
            rows,
            created_by: Some(actor.name.clone()),
            created_at: Some(ctx.site_time(naive(now))),
            committed: None,
            committed_at: None,
        };
        let row = ResultImportRow {
            import_id: import_id.clone(),
            content_hash: hash.clone(),
            format: format.code().into(),
            assay: assay.name.clone(),
            file_name: query.file_name.clone(),
            instrument: preview.instrument.clone(),
            run_name: preview.run_name.clone(),
            preview: stored_json(&preview)?,
            status: "previewed".into(),
            created_by: actor.user_ref(),
            created_at: naive(now),
            committed_by: None,
            committed_at: None,
            facility_code: ctx.facility().to_string(),
        };
        diesel::delete(
            result_imports::table
                .find(&import_id)
                .filter(result_imports::facility_code.eq(ctx.facility())),
        )
        .execute(c)?;
        diesel::insert_into(result_imports::table)
            .values(&row)
            .execute(c)?;
        // The stored preview is a record the commit later acts on.
        audit::record(
            c,
            actor,
            now,
            "result_import.preview",
            ("result_import", &import_id),
            None::<&()>,
            Some(&serde_json::json!({
                "format": row.format,
                "assay": row.assay,
                "file_name": row.file_name,
                "rows": preview.rows.len(),
            })),
        )?;
        Ok(preview)
    })
}

/// The preview in its stored form: messages as catalogue entries, so it
/// reads in whichever language it is later shown in.
fn stored_json(preview: &Preview) -> Result<String, ActionError> {
    crate::domain::messages::render_in(None, || serde_json::to_string(preview))
        .map_err(|e| ActionError::Store(crate::store::StoreError::Corrupt(e.to_string())))
}

fn stored_preview(ctx: &Ctx, row: &ResultImportRow) -> Result<Preview, ActionError> {
    let mut preview: Preview = serde_json::from_str(&row.preview)
        .map_err(|e| ActionError::Store(crate::store::StoreError::Corrupt(e.to_string())))?;
    preview.status = row.status.clone();
    preview.committed_at = row.committed_at.map(|t| ctx.site_time(t));
    Ok(preview)
}

fn load_import(
    ctx: &Ctx,
    c: &mut DbConnection,
    import_id: &str,
) -> Result<ResultImportRow, ActionError> {
    result_imports::table
        .find(import_id)
        .filter(result_imports::facility_code.eq(ctx.facility()))
        .select(ResultImportRow::as_select())
        .first(c)
        .optional()?
        .ok_or_else(|| {
            ActionError::NotFound(Notice::new(
                RuleCode::UnknownImport,
                ResultMsg::NoImport {
                    import_id: import_id.into(),
                },
            ))
        })
}

/// `GET /api/v1/results/imports/{import_id}`.
pub fn get(ctx: &Ctx, actor: &Actor, import_id: &str) -> Result<Preview, ActionError> {
    actor.require(Action::RecordResult)?;
    ctx.store.read(|c| {
        let row = load_import(ctx, c, import_id)?;
        stored_preview(ctx, &row)
    })
}

/// Records an import's results in one transaction, with the person's
/// decision for every sample that needs one.
pub fn commit(
    ctx: &Ctx,
    actor: &Actor,
    import_id: &str,
    req: &CommitImport,
    now: DateTime<Utc>,
) -> Result<CommitAnswer, ActionError> {
    actor.require(Action::RecordResult)?;
    for d in &req.decisions {
        super::check_text("sample", &d.sample, 128)?;
        if let Some(reason) = &d.reason {
            super::check_text("reason", reason, 500)?;
        }
    }
    ctx.write(|c| {
        let stored = load_import(ctx, c, import_id)?;
        let mut preview = stored_preview(ctx, &stored)?;
        if stored.status == "committed" {
            return Ok(CommitAnswer {
                import_id: import_id.to_string(),
                committed: preview.committed.clone().unwrap_or_default(),
                created: false,
            });
        }
        let assay = assay_named(ctx, &stored.assay)?;
        // The calls as previewed; the records as they are now.
        let calls: Vec<SampleCall> = preview
            .rows
            .iter()
            .map(|r| SampleCall {
                sample: r.sample.clone(),
                wells: r.wells.clone(),
                result: r.result,
                ct: r.ct.clone(),
                rule: r.rule.clone(),
            })
            .collect();
        let mut rows = assess(ctx, c, assay, &calls, &HashMap::new())?;
        // Problems of the plate itself (duplicates, targets) stay as the
        // preview found them.
        for (row, before) in rows.iter_mut().zip(&preview.rows) {
            for p in &before.problems {
                if matches!(
                    p.code,
                    ProblemCode::DuplicateSample
                        | ProblemCode::MissingTarget
                        | ProblemCode::UnknownTarget
                ) {
                    row.problems.push(p.clone());
                    row.action = RowAction::Decide;
                }
            }
        }
        let decisions: HashMap<&str, &SampleDecision> = req
            .decisions
            .iter()
            .map(|d| (d.sample.as_str(), d))
            .collect();
        for d in &req.decisions {
            let Some(row) = rows.iter().find(|r| r.sample == d.sample) else {
                return Err(ActionError::invalid(ResultMsg::NotInImport {
                    sample: d.sample.clone(),
                }));
            };
            let allowed = row.problems.iter().all(|p| p.code.allows(d.decision))
                && (d.decision != Decision::Correct
                    || d.reason.as_deref().is_some_and(|r| !r.trim().is_empty()));
            if !allowed {
                return Err(ActionError::invalid(ResultMsg::DecisionNotAllowed {
                    sample: d.sample.clone(),
                    decision: d.decision.code().into(),
                }));
            }
        }
        let undecided: Vec<String> = rows
            .iter()
            .filter(|r| r.action == RowAction::Decide && !decisions.contains_key(r.sample.as_str()))
            .map(|r| r.sample.clone())
            .collect();
        if !undecided.is_empty() {
            return Err(ActionError::Conflict(Notice::new(
                RuleCode::ImportDecisionsNeeded,
                ResultMsg::DecisionsNeeded { samples: undecided },
            )));
        }
        let mut done = Committed::default();
        for row in &rows {
            let decision = decisions.get(row.sample.as_str());
            let skip = matches!(decision, Some(d) if d.decision == Decision::Skip);
            let (Some(specimen_id), false) = (&row.specimen_id, skip) else {
                done.skipped += 1;
                continue;
            };
            if row.action == RowAction::Same {
                done.unchanged += 1;
                continue;
            }
            let specimen = specimen_row(ctx, c, specimen_id)?;
            let entry = Entry {
                method: Some(assay.method),
                reason: decision.and_then(|d| d.reason.clone()),
                ct: Some(row.ct.clone()),
                assay: Some(assay.name.clone()),
                interpretation: Some(row.rule.clone()),
                import_id: Some(import_id.to_string()),
                well: row.wells.first().cloned(),
                ..Entry::new(row.result, now)
            };
            let (recorded, created) = enter(ctx, c, actor, &specimen, &entry, now)?;
            if created {
                done.recorded += 1;
                done.results.push(CommittedResult {
                    specimen_id: specimen_id.clone(),
                    version: recorded.version,
                    result: row.result,
                    status: recorded.as_version()?.status,
                });
            } else {
                done.unchanged += 1;
            }
        }
        preview.status = "committed".into();
        preview.committed = Some(done.clone());
        preview.committed_at = Some(ctx.site_time(naive(now)));
        diesel::update(result_imports::table.find(import_id))
            .set((
                result_imports::status.eq("committed"),
                result_imports::committed_by.eq(Some(actor.user_ref())),
                result_imports::committed_at.eq(Some(naive(now))),
                result_imports::preview.eq(stored_json(&preview)?),
            ))
            .execute(c)?;
        audit::record(
            c,
            actor,
            now,
            "result.import",
            ("result_import", import_id),
            None::<&serde_json::Value>,
            Some(&serde_json::json!({
                "assay": assay.name,
                "format": stored.format,
                "file_name": stored.file_name,
                "recorded": done.recorded,
                "skipped": done.skipped,
                "unchanged": done.unchanged,
                "decisions": req.decisions,
            })),
        )?;
        Ok(CommitAnswer {
            import_id: import_id.to_string(),
            committed: done,
            created: true,
        })
    })
}
