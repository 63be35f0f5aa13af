//! What the lab reads about results: a request the result API cannot take,
//! an instrument file it cannot read, the controls of a run, and the
//! samples of an import that need a person's decision.

use super::{list, say, test_result_name, Lang};
use crate::results::TestResult;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "key", rename_all = "snake_case")]
pub enum ResultMsg {
    CtOutOfRange {
        target: String,
    },
    UnknownAssay {
        name: String,
    },
    NoAssayConfigured,
    NoResultVersion {
        specimen_id: String,
        version: i32,
    },
    NoImport {
        import_id: String,
    },
    UnknownFormat {
        format: String,
    },
    UnreadableFile {
        line: Option<usize>,
        reason: String,
    },
    EmptyRun,
    /// The whole run is refused: its controls failed.
    RunControlsFailed {
        failures: usize,
    },
    /// A no-template control amplified.
    NtcAmplified {
        well: String,
        sample: String,
        target: Option<String>,
        ct: Option<f64>,
    },
    /// A positive control did not amplify within its range.
    PositiveControlOutOfRange {
        well: String,
        sample: String,
        target: Option<String>,
        ct: Option<f64>,
        min: f64,
        max: f64,
    },
    MissingNtc,
    MissingPositiveControl,
    /// A sample name kentai has no tube for.
    UnknownSample {
        sample: String,
    },
    /// The same sample in more than one well.
    DuplicateSample {
        sample: String,
        wells: Vec<String>,
    },
    /// The tube has another result already: importing corrects it.
    ResultDiffers {
        sample: String,
        current: TestResult,
        imported: TestResult,
    },
    MissingTarget {
        sample: String,
        target: String,
    },
    UnknownTarget {
        sample: String,
        target: String,
    },
    /// A tube a receiving lab has not received yet.
    NotReceivedYet {
        sample: String,
    },
    /// The commit lacks a decision for these samples.
    DecisionsNeeded {
        samples: Vec<String>,
    },
    /// A decision the sample's problem does not allow (record an unknown
    /// sample, correct without a reason).
    DecisionNotAllowed {
        sample: String,
        decision: String,
    },
    /// A decision for a sample the preview does not hold.
    NotInImport {
        sample: String,
    },
    /// The import was committed before: nothing more to do.
    AlreadyCommitted {
        import_id: String,
    },
}

fn ct_text(ct: Option<f64>, lang: Lang) -> String {
    match ct {
        Some(v) => format!("Ct {v:.1}"),
        None => say!(lang, "増幅なし", "undetermined"),
    }
}

fn target_text(target: &Option<String>) -> String {
    target
        .as_deref()
        .map(|t| format!(" {t}"))
        .unwrap_or_default()
}

impl ResultMsg {
    pub fn render(&self, lang: Lang) -> String {
        use ResultMsg::*;
        match self {
            CtOutOfRange { target } => say!(
                lang,
                "{target} の Ct 値は 0〜100 の数で入力してください（増幅なしは null）",
                "the Ct of {target} must be a number from 0 to 100 (null when undetermined)"
            ),
            UnknownAssay { name } => say!(
                lang,
                "検査系「{name}」は kentai.toml の [[assay]] に設定されていません",
                "assay {name:?} is not configured in kentai.toml ([[assay]])"
            ),
            NoAssayConfigured => say!(
                lang,
                "kentai.toml に検査系（[[assay]]）が設定されていないため、結果ファイルを取り込めません",
                "no assay is configured in kentai.toml ([[assay]]): instrument files cannot be imported"
            ),
            NoResultVersion {
                specimen_id,
                version,
            } => say!(
                lang,
                "採取管 {specimen_id} に第{version}版の結果はありません",
                "tube {specimen_id} has no result version {version}"
            ),
            NoImport { import_id } => say!(
                lang,
                "取り込み {import_id} は見つかりません（もう一度ファイルを読み込んでください）",
                "no import {import_id} (read the file again)"
            ),
            UnknownFormat { format } => say!(
                lang,
                "ファイル形式「{format}」には対応していません（quantstudio、cfx、generic）",
                "file format {format:?} is not supported (quantstudio, cfx, generic)"
            ),
            UnreadableFile { line, reason } => match line {
                Some(line) => say!(
                    lang,
                    "結果ファイルを読み取れません（{line}行目: {reason}）",
                    "cannot read the results file (line {line}: {reason})"
                ),
                None => say!(
                    lang,
                    "結果ファイルを読み取れません（{reason}）",
                    "cannot read the results file ({reason})"
                ),
            },
            EmptyRun => say!(
                lang,
                "結果ファイルに検体のウェルがありません",
                "the results file holds no sample wells"
            ),
            RunControlsFailed { failures } => say!(
                lang,
                "コントロールが{failures}件不合格のため、このランの結果はすべて記録しません",
                "{failures} control check(s) failed: nothing of this run is recorded"
            ),
            NtcAmplified {
                well,
                sample,
                target,
                ct,
            } => {
                let (t, ct) = (target_text(target), ct_text(*ct, lang));
                say!(
                    lang,
                    "陰性コントロール {sample}（{well}）{t} が増幅しました（{ct}）",
                    "no-template control {sample} ({well}){t} amplified ({ct})"
                )
            }
            PositiveControlOutOfRange {
                well,
                sample,
                target,
                ct,
                min,
                max,
            } => {
                let (t, ct) = (target_text(target), ct_text(*ct, lang));
                say!(
                    lang,
                    "陽性コントロール {sample}（{well}）{t} が範囲外です（{ct}、許容 {min}〜{max}）",
                    "positive control {sample} ({well}){t} out of range ({ct}, allowed {min}–{max})"
                )
            }
            MissingNtc => say!(
                lang,
                "陰性コントロール（NTC）のウェルがありません",
                "the run has no no-template control (NTC) well"
            ),
            MissingPositiveControl => say!(
                lang,
                "陽性コントロールのウェルがありません",
                "the run has no positive control well"
            ),
            UnknownSample { sample } => say!(
                lang,
                "サンプル名「{sample}」の採取管は登録されていません",
                "no tube is registered as sample {sample:?}"
            ),
            DuplicateSample { sample, wells } => {
                let wells = list(lang, wells);
                say!(
                    lang,
                    "サンプル {sample} が複数のウェルにあります（{wells}）",
                    "sample {sample} is in more than one well ({wells})"
                )
            }
            ResultDiffers {
                sample,
                current,
                imported,
            } => {
                let (c, i) = (
                    test_result_name(*current, lang),
                    test_result_name(*imported, lang),
                );
                say!(
                    lang,
                    "採取管 {sample} はすでに「{c}」です。取り込むと「{i}」に訂正します（理由が必要）",
                    "tube {sample} is already {c}: importing corrects it to {i} (a reason is needed)"
                )
            }
            MissingTarget { sample, target } => say!(
                lang,
                "サンプル {sample} に {target} の結果がありません",
                "sample {sample} has no reading for {target}"
            ),
            UnknownTarget { sample, target } => say!(
                lang,
                "サンプル {sample} のターゲット {target} は検査系にありません",
                "sample {sample}: target {target} is not in the assay"
            ),
            NotReceivedYet { sample } => say!(
                lang,
                "採取管 {sample} はまだ検査機関で受領されていません",
                "tube {sample} has not been received at the lab yet"
            ),
            DecisionsNeeded { samples } => {
                let samples = list(lang, samples);
                say!(
                    lang,
                    "次のサンプルの扱いを決めてください: {samples}",
                    "decide what to do with these samples: {samples}"
                )
            }
            DecisionNotAllowed { sample, decision } => say!(
                lang,
                "サンプル {sample} には「{decision}」を選べません",
                "sample {sample} cannot take the decision {decision:?}"
            ),
            NotInImport { sample } => say!(
                lang,
                "サンプル {sample} はこの取り込みにありません",
                "sample {sample} is not in this import"
            ),
            AlreadyCommitted { import_id } => say!(
                lang,
                "取り込み {import_id} は記録済みです",
                "import {import_id} is already recorded"
            ),
        }
    }
}

#[cfg(test)]
pub(super) fn samples() -> Vec<ResultMsg> {
    use ResultMsg::*;
    let s = || "R26-0001".to_string();
    let all = vec![
        CtOutOfRange {
            target: "N1".into(),
        },
        UnknownAssay { name: "x".into() },
        NoAssayConfigured,
        NoResultVersion {
            specimen_id: s(),
            version: 2,
        },
        NoImport {
            import_id: "abc".into(),
        },
        UnknownFormat {
            format: "xls".into(),
        },
        UnreadableFile {
            line: Some(3),
            reason: "no [Results] section".into(),
        },
        UnreadableFile {
            line: None,
            reason: "empty".into(),
        },
        EmptyRun,
        RunControlsFailed { failures: 1 },
        NtcAmplified {
            well: "H12".into(),
            sample: "NTC".into(),
            target: Some("N1".into()),
            ct: Some(35.2),
        },
        PositiveControlOutOfRange {
            well: "H11".into(),
            sample: "PC".into(),
            target: None,
            ct: None,
            min: 20.0,
            max: 35.0,
        },
        MissingNtc,
        MissingPositiveControl,
        UnknownSample { sample: s() },
        DuplicateSample {
            sample: s(),
            wells: vec!["A1".into(), "B1".into()],
        },
        ResultDiffers {
            sample: s(),
            current: TestResult::Negative,
            imported: TestResult::Positive,
        },
        MissingTarget {
            sample: s(),
            target: "N2".into(),
        },
        UnknownTarget {
            sample: s(),
            target: "E".into(),
        },
        NotReceivedYet { sample: s() },
        DecisionsNeeded { samples: vec![s()] },
        DecisionNotAllowed {
            sample: s(),
            decision: "record".into(),
        },
        NotInImport { sample: s() },
        AlreadyCommitted {
            import_id: "abc".into(),
        },
    ];
    for m in &all {
        match m {
            CtOutOfRange { .. }
            | UnknownAssay { .. }
            | NoAssayConfigured
            | NoResultVersion { .. }
            | NoImport { .. }
            | UnknownFormat { .. }
            | UnreadableFile { .. }
            | EmptyRun
            | RunControlsFailed { .. }
            | NtcAmplified { .. }
            | PositiveControlOutOfRange { .. }
            | MissingNtc
            | MissingPositiveControl
            | UnknownSample { .. }
            | DuplicateSample { .. }
            | ResultDiffers { .. }
            | MissingTarget { .. }
            | UnknownTarget { .. }
            | NotReceivedYet { .. }
            | DecisionsNeeded { .. }
            | DecisionNotAllowed { .. }
            | NotInImport { .. }
            | AlreadyCommitted { .. } => {}
        }
    }
    all
}
