//! The watched results folder (`[results] import_dir`): a PCR instrument
//! saves its export into a shared folder and kentai imports it, so nobody
//! carries files to a browser.
//!
//! A file is taken once its size has stayed the same between two looks (an
//! instrument or a copy may still be writing it). It is imported whole
//! with the configured assay, as the user `import:folder` (role lab; at a
//! `second_person` site its results wait for a person's release), and
//! moved to `done/`; a file that cannot be imported without a person (its
//! controls failed, it cannot be read, a sample needs a decision) is
//! moved to `failed/` with `<name>.reason.txt` beside it saying why, in
//! Japanese. Nothing of a failed file is recorded. Names starting with `.`
//! and the `done`/`failed` folders are left alone.

use crate::actions::imports::{self, CommitImport, ImportQuery, RowAction};
use crate::actions::{users, ActionError, Actor, Ctx};
use crate::domain::messages::{render_in, Lang};
use crate::domain::roles::Role;
use crate::instruments::{self, Format};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// What became of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Imported; moved to `done/`.
    Done,
    /// Not imported; moved to `failed/` with the reason.
    Failed(String),
}

/// Keeps the watcher thread alive: it stops when the last clone goes.
#[derive(Clone)]
pub struct FolderWatch {
    _alive: Arc<()>,
}

/// Starts watching when `[results] import_dir` is set.
pub fn start(ctx: &Ctx) -> anyhow::Result<Option<FolderWatch>> {
    let Some(dir) = ctx.config.results.import_dir.clone() else {
        return Ok(None);
    };
    for sub in ["done", "failed"] {
        std::fs::create_dir_all(dir.join(sub))
            .map_err(|e| anyhow::anyhow!("results.import_dir {}: {e}", dir.display()))?;
    }
    let actor = users::service_actor(ctx, "import:folder", Role::Lab)?;
    let alive = Arc::new(());
    let watch = Arc::downgrade(&alive);
    let ctx = ctx.clone();
    let every = Duration::from_secs_f64(ctx.config.results.poll_seconds);
    std::thread::Builder::new()
        .name("results-folder".into())
        .spawn(move || watch_loop(ctx, actor, dir, every, watch))?;
    Ok(Some(FolderWatch { _alive: alive }))
}

fn watch_loop(ctx: Ctx, actor: Actor, dir: PathBuf, every: Duration, alive: Weak<()>) {
    let mut sizes: HashMap<PathBuf, u64> = HashMap::new();
    while alive.upgrade().is_some() {
        sizes = look(&ctx, &actor, &dir, &sizes);
        std::thread::sleep(every);
    }
}

/// One look at the folder: imports each file whose size is what it was at
/// the last look, and answers the sizes seen now.
pub fn look(
    ctx: &Ctx,
    actor: &Actor,
    dir: &Path,
    before: &HashMap<PathBuf, u64>,
) -> HashMap<PathBuf, u64> {
    let mut seen = HashMap::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot read the results folder");
            return seen;
        }
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        let Ok(meta) = entry.metadata() else { continue };
        if hidden || !meta.is_file() {
            continue;
        }
        if before.get(&path) != Some(&meta.len()) {
            seen.insert(path, meta.len());
            continue;
        }
        let outcome = import_file(ctx, actor, &path);
        if let Err(e) = settle(dir, &path, &outcome) {
            tracing::error!(file = %path.display(), error = %e, "cannot move an imported results file");
            // Left in place, it would be imported again at every look; a
            // second import of the same content changes nothing.
            seen.insert(path, meta.len());
        }
    }
    seen
}

/// Imports one file: preview, then commit if no sample needs a person.
pub fn import_file(ctx: &Ctx, actor: &Actor, path: &Path) -> Outcome {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) => return Outcome::Failed(format!("ファイルを読めません: {e}")),
    };
    let Some(assay) = ctx.config.results.folder_assay(&ctx.config.assays) else {
        return Outcome::Failed(reason(&ActionError::invalid(
            crate::domain::messages::ResultMsg::NoAssayConfigured,
        )));
    };
    let format = match ctx
        .config
        .results
        .import_format
        .or_else(|| instruments::detect(&bytes))
    {
        Some(f) => f,
        None => {
            return Outcome::Failed(
                "ファイル形式を判別できません（[results] import_format を設定してください）".into(),
            )
        }
    };
    let query = ImportQuery {
        format: Format::code(format).into(),
        assay: assay.name.clone(),
        file_name: path.file_name().map(|n| n.to_string_lossy().into_owned()),
    };
    let now = crate::actions::now();
    let preview = match imports::preview(ctx, actor, &query, &bytes, now) {
        Ok(p) => p,
        Err(e) => return Outcome::Failed(reason(&e)),
    };
    if preview.status == "committed" {
        return Outcome::Done;
    }
    if preview.rows.iter().any(|r| r.action == RowAction::Decide) {
        let lines: Vec<String> = render_in(Some(Lang::Ja), || {
            preview
                .problems
                .iter()
                .map(|p| format!("{}: {}", p.sample, p.message))
                .collect()
        });
        return Outcome::Failed(format!(
            "判断が必要なサンプルがあるため取り込みませんでした。結果画面（/results）でファイルを読み込み、判断してください。\n{}",
            lines.join("\n")
        ));
    }
    match imports::commit(
        ctx,
        actor,
        &preview.import_id,
        &CommitImport::default(),
        now,
    ) {
        Ok(_) => Outcome::Done,
        Err(e) => Outcome::Failed(reason(&e)),
    }
}

/// The error as the lab reads it, every refusal included.
fn reason(e: &ActionError) -> String {
    render_in(Some(Lang::Ja), || match e {
        ActionError::Refused { refusals, .. } => refusals
            .iter()
            .map(|n| n.message.to_string())
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    })
}

/// Moves the file to `done/` or `failed/` (with its reason), never over an
/// earlier file of the same name.
fn settle(dir: &Path, path: &Path, outcome: &Outcome) -> std::io::Result<()> {
    let sub = match outcome {
        Outcome::Done => "done",
        Outcome::Failed(_) => "failed",
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut target = dir.join(sub).join(&name);
    let mut n = 1;
    while target.exists() {
        target = dir.join(sub).join(format!("{name}.{n}"));
        n += 1;
    }
    if let Outcome::Failed(why) = outcome {
        let mut note = target.clone().into_os_string();
        note.push(".reason.txt");
        std::fs::write(note, format!("{why}\n"))?;
    }
    std::fs::rename(path, &target)
}
