//! Every sentence a person reads, in Japanese and in English: one
//! catalogue.
//!
//! Rules, actions and workflows never write a sentence themselves. They
//! answer with a [`Msg`], a catalogue entry with its parameters (a day
//! number, a tube id, a checklist item), and the sentence is made at the
//! edge, in the reader's language: the API's `message` (Japanese unless
//! the request asks for English), the pages, a station's event stream,
//! the shipping slip and the CLI (which follows `LANG`).
//!
//! A message is kept in the database in its language-neutral form (the
//! entry's key and parameters), so a warning stored at registration reads
//! in Japanese on one desk and in English on another. Serialising a
//! [`Msg`] gives that stored form, except inside [`render_in`], where it
//! gives the sentence; the HTTP layer renders every answer that way, so a
//! handler's JSON carries sentences without knowing about languages.
//!
//! Each rule code's title in both languages is its entry in the catalogue
//! of rules (`super::rules`); each message entry has both sentences in the
//! same `match` arm, and the tests render every entry in both languages.

mod cli;
pub mod doctor;
mod input;
mod names;
mod records;
mod results;
mod rules;
mod scans;

pub use cli::{device_columns, CliMsg, SimulatedLine};
pub use input::{allowed, InputMsg};
pub use names::*;
pub use records::RecordMsg;
pub use results::ResultMsg;
pub use rules::RuleMsg;
pub use scans::{ScanMsg, Step};

use serde::{Deserialize, Serialize};
use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicU8, Ordering};

/// The reader's language: Japanese unless the person chose English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    #[default]
    Ja,
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Ja, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ja => "ja",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "ja" => Some(Lang::Ja),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language, for the switch in the pages' header.
    pub fn other(self) -> Lang {
        match self {
            Lang::Ja => Lang::En,
            Lang::En => Lang::Ja,
        }
    }

    /// The language an `Accept-Language` header prefers among the two
    /// kentai speaks (`None` when it names neither).
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let Some(lang) = Lang::from_code(primary) else {
                continue;
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// The language of a POSIX locale (`LC_ALL`, `LC_MESSAGES`, `LANG`):
    /// English for `en…`, Japanese otherwise (kentai's default).
    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("en") {
            Lang::En
        } else {
            Lang::Ja
        }
    }

    /// The CLI's language, from the environment as POSIX orders it.
    pub fn from_env() -> Lang {
        ["LC_ALL", "LC_MESSAGES", "LANG"]
            .into_iter()
            .filter_map(|k| std::env::var(k).ok())
            .find(|v| !v.is_empty())
            .map_or(Lang::Ja, |v| Lang::from_locale(&v))
    }

    fn pick<T>(self, ja: T, en: T) -> T {
        match self {
            Lang::Ja => ja,
            Lang::En => en,
        }
    }
}

thread_local! {
    /// Set inside [`render_in`]: messages serialise as sentences.
    static RENDERING: Cell<Option<Lang>> = const { Cell::new(None) };
}

/// The process's language for messages shown outside a request (the
/// CLI's output, the log): 0 Japanese, 1 English.
static PROCESS_LANG: AtomicU8 = AtomicU8::new(0);

pub fn set_process_lang(lang: Lang) {
    PROCESS_LANG.store(matches!(lang, Lang::En).into(), Ordering::Relaxed);
}

pub fn process_lang() -> Lang {
    if PROCESS_LANG.load(Ordering::Relaxed) == 1 {
        Lang::En
    } else {
        Lang::Ja
    }
}

/// Runs `f` with every [`Msg`] serialising as its sentence in `lang`, or,
/// with `None`, as its stored form (key and parameters).
pub fn render_in<T>(lang: Option<Lang>, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Lang>);
    impl Drop for Restore {
        fn drop(&mut self) {
            RENDERING.with(|r| r.set(self.0));
        }
    }
    let _restore = Restore(RENDERING.with(|r| r.replace(lang)));
    f()
}

/// The language messages render in right now, if inside [`render_in`].
pub fn rendering() -> Option<Lang> {
    RENDERING.with(Cell::get)
}

/// One catalogue entry with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// What a rule of the manual says (refusals, warnings, flags).
    Rule(RuleMsg),
    /// A malformed or impossible request.
    Input(InputMsg),
    /// Stored records: not found, conflicts, who may not.
    Record(RecordMsg),
    /// Results: entry, release, instrument files (boxed: a run's control
    /// entries are large, and every error carries a `Msg`).
    Result(Box<ResultMsg>),
    /// What a scan did at a station.
    Scan(ScanMsg),
    /// What the command line says (boxed: its entries are the largest,
    /// and every error carries a `Msg`).
    Cli(Box<CliMsg>),
    /// Several sentences read as one (every rule that refused).
    List(Vec<Msg>),
    /// A sentence already in its reader's language (a page's own words for
    /// a form it refuses), or text a version of kentai older than the
    /// catalogue stored: it reads as written.
    Text(String),
}

impl Msg {
    /// The sentence in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Msg::Rule(m) => m.render(lang),
            Msg::Input(m) => m.render(lang),
            Msg::Record(m) => m.render(lang),
            Msg::Result(m) => m.render(lang),
            Msg::Scan(m) => m.render(lang),
            Msg::Cli(m) => m.render(lang),
            Msg::List(items) => {
                let sentences: Vec<String> = items.iter().map(|m| m.render(lang)).collect();
                sentences.join(lang.pick("。", "; "))
            }
            Msg::Text(t) => t.clone(),
        }
    }

    /// The stored form's key (`saliva_window_exceeded`, `new_tube`, …).
    pub fn key(&self) -> String {
        let stored = render_in(None, || serde_json::to_value(self)).unwrap_or_default();
        stored
            .get("key")
            .and_then(|k| k.as_str())
            .unwrap_or("text")
            .to_string()
    }
}

impl From<RuleMsg> for Msg {
    fn from(m: RuleMsg) -> Msg {
        Msg::Rule(m)
    }
}

impl From<InputMsg> for Msg {
    fn from(m: InputMsg) -> Msg {
        Msg::Input(m)
    }
}

impl From<RecordMsg> for Msg {
    fn from(m: RecordMsg) -> Msg {
        Msg::Record(m)
    }
}

impl From<ResultMsg> for Msg {
    fn from(m: ResultMsg) -> Msg {
        Msg::Result(Box::new(m))
    }
}

impl From<ScanMsg> for Msg {
    fn from(m: ScanMsg) -> Msg {
        Msg::Scan(m)
    }
}

impl From<CliMsg> for Msg {
    fn from(m: CliMsg) -> Msg {
        Msg::Cli(Box::new(m))
    }
}

impl From<Step> for Msg {
    fn from(s: Step) -> Msg {
        Msg::Scan(ScanMsg::Next { step: s })
    }
}

/// In the language being rendered, else the process's.
impl fmt::Display for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(rendering().unwrap_or_else(process_lang)))
    }
}

impl Serialize for Msg {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(lang) = rendering() {
            return s.serialize_str(&self.render(lang));
        }
        match self {
            Msg::Rule(m) => m.serialize(s),
            Msg::Input(m) => m.serialize(s),
            Msg::Record(m) => m.serialize(s),
            Msg::Result(m) => m.serialize(s),
            Msg::Scan(m) => m.serialize(s),
            Msg::Cli(m) => m.serialize(s),
            Msg::List(items) => items.serialize(s),
            Msg::Text(t) => s.serialize_str(t),
        }
    }
}

/// The stored form: an entry's key and parameters, or a plain sentence
/// written before the catalogue.
#[derive(Deserialize)]
#[serde(untagged)]
enum Stored {
    Rule(RuleMsg),
    Input(InputMsg),
    Record(RecordMsg),
    Result(ResultMsg),
    Scan(ScanMsg),
    Cli(CliMsg),
    List(Vec<Msg>),
    Text(String),
}

impl<'de> Deserialize<'de> for Msg {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Msg, D::Error> {
        Ok(match Stored::deserialize(d)? {
            Stored::Rule(m) => Msg::Rule(m),
            Stored::Input(m) => Msg::Input(m),
            Stored::Record(m) => Msg::Record(m),
            Stored::Result(m) => Msg::Result(Box::new(m)),
            Stored::Scan(m) => Msg::Scan(m),
            Stored::Cli(m) => Msg::Cli(Box::new(m)),
            Stored::List(items) => Msg::List(items),
            Stored::Text(t) => Msg::Text(t),
        })
    }
}

impl utoipa::PartialSchema for Msg {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::Type::String)
            .description(Some(
                "A sentence for a person: Japanese, or English with `?lang=en` or `Accept-Language: en`.",
            ))
            .into()
    }
}

impl utoipa::ToSchema for Msg {}

/// Renders `format!` with one pattern per language; both see the same
/// bindings. Exported (as `messages::say`) for the server's page words.
#[doc(hidden)]
#[macro_export]
macro_rules! __say {
    ($lang:expr, $ja:literal, $en:literal) => {
        match $lang {
            $crate::messages::Lang::Ja => format!($ja),
            $crate::messages::Lang::En => format!($en),
        }
    };
}
pub use crate::__say as say;

/// A list as a sentence writes it: "A、B、C" / "A, B and C".
pub fn list(lang: Lang, items: &[String]) -> String {
    match lang {
        Lang::Ja => items.join("、"),
        Lang::En => match items {
            [] => String::new(),
            [one] => one.clone(),
            [head @ .., last] => format!("{} and {last}", head.join(", ")),
        },
    }
}

/// A time as a sentence shows it: the wall clock of its offset, to the
/// minute (marked UTC when it has none: a rule that was not given the
/// site's zone).
pub fn time(t: &chrono::DateTime<chrono::FixedOffset>) -> String {
    if t.offset().local_minus_utc() == 0 {
        t.format("%Y-%m-%d %H:%M UTC").to_string()
    } else {
        t.format("%Y-%m-%d %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Japanese text holds at least one kana or kanji.
    fn is_japanese(s: &str) -> bool {
        s.chars().any(|c| {
            ('\u{3040}'..='\u{30ff}').contains(&c) || ('\u{4e00}'..='\u{9fff}').contains(&c)
        })
    }

    fn samples() -> Vec<Msg> {
        let mut out: Vec<Msg> = Vec::new();
        out.extend(rules::samples().into_iter().map(Msg::from));
        out.extend(input::samples().into_iter().map(Msg::from));
        out.extend(records::samples().into_iter().map(Msg::from));
        out.extend(results::samples().into_iter().map(Msg::from));
        out.extend(scans::samples().into_iter().map(Msg::from));
        out.extend(cli::samples().into_iter().map(Msg::from));
        out.push(Msg::List(vec![
            RuleMsg::SalivaOnsetUnknown.into(),
            RuleMsg::Minus20Flagged.into(),
        ]));
        out
    }

    #[test]
    fn every_catalogue_entry_reads_in_japanese_and_in_english() {
        let samples = samples();
        // Each sub-catalogue's samples name every one of its entries (its
        // `samples` matches exhaustively), so this covers the catalogue.
        assert!(samples.len() > 100, "{} samples", samples.len());
        for m in &samples {
            let ja = m.render(Lang::Ja);
            let en = m.render(Lang::En);
            assert!(is_japanese(&ja), "{m:?}: Japanese {ja:?}");
            assert!(!is_japanese(&en), "{m:?}: English {en:?}");
            for s in [&ja, &en] {
                assert!(!s.contains('{') && !s.trim().is_empty(), "{m:?}: {s:?}");
            }
        }
    }

    #[test]
    fn every_entry_keeps_its_key_and_parameters_through_the_database() {
        // Reading back the very entry also proves keys are unique across
        // the sub-catalogues (the first that knows a key would take it).
        for m in samples() {
            let stored = render_in(None, || serde_json::to_string(&m)).expect("stored form");
            let back: Msg = serde_json::from_str(&stored).expect(&stored);
            assert_eq!(back, m, "{stored}");
        }
    }

    #[test]
    fn inside_a_rendering_a_message_serialises_as_the_readers_sentence() {
        let m = Msg::from(RuleMsg::SalivaWindowExceeded { day: 10, max: 9 });
        let ja = render_in(Some(Lang::Ja), || serde_json::to_value(&m)).unwrap();
        let en = render_in(Some(Lang::En), || serde_json::to_value(&m)).unwrap();
        assert_eq!(ja, serde_json::json!(m.render(Lang::Ja)));
        assert_eq!(en, serde_json::json!(m.render(Lang::En)));
        let stored = serde_json::to_value(&m).unwrap();
        assert_eq!(stored["key"], "saliva_window_exceeded");
        assert_eq!(stored["day"], 10);
    }

    #[test]
    fn text_written_before_the_catalogue_reads_as_it_was() {
        let m: Msg = serde_json::from_str("\"saliva collected on day 10\"").unwrap();
        assert_eq!(m, Msg::Text("saliva collected on day 10".into()));
        assert_eq!(m.render(Lang::Ja), "saliva collected on day 10");
    }

    #[test]
    fn accept_language_picks_the_preferred_of_japanese_and_english() {
        let cases = [
            ("ja,en-US;q=0.9", Some(Lang::Ja)),
            ("en-US,en;q=0.9,ja;q=0.8", Some(Lang::En)),
            ("fr-FR, en;q=0.5", Some(Lang::En)),
            ("ja;q=0.2, en;q=0.7", Some(Lang::En)),
            ("fr", None),
            ("", None),
        ];
        for (header, want) in cases {
            assert_eq!(Lang::from_accept_language(header), want, "{header:?}");
        }
    }

    #[test]
    fn the_cli_speaks_english_for_an_english_locale_and_japanese_otherwise() {
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("ja_JP.UTF-8"), Lang::Ja);
        assert_eq!(Lang::from_locale("C.UTF-8"), Lang::Ja);
    }
}
