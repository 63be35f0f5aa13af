//! Message-level GS1 rules, over all the elements of one scan, as the GS1
//! reference engine applies them after each element's own format
//! (`gs1_validateAIs`, in its order):
//!
//! 1. exclusive AIs (`ex=`): an AI may not appear with one its entry
//!    excludes; an AI is never exclusive of itself (`(3940)` with
//!    `ex=394n` does not exclude another `(3940)`);
//! 2. required AIs (`req=`): each `req=` attribute needs one of its
//!    alternatives present in full (`01+21`: both); an AI never satisfies
//!    its own requirement;
//! 3. repeated AIs: the same AI twice is fine with the same value (two
//!    symbols on one label, read together), an error with another;
//! 4. a digital signature (8030) needs the serial component of a GDTI
//!    (253), GCN (255) or GRAI (8003) that it signs.
//!
//! Patterns are an AI's leading digits then `n`s for any digit (`35nn`).
//!
//! Every scan goes through these rules, so they work on AIs packed into
//! integers and on patterns compiled once, not on strings; and as the pair
//! rules (1 and 2) read the AIs only, never the values, each thread
//! remembers the last AI layout that passed them (and whether its AIs are
//! all different, when rule 3 has nothing to compare).

use super::ai_table::{self, AiEntry};
use super::parse;
use super::{BarcodeError, Element, Gs1Options};
use std::cell::Cell;
use std::sync::OnceLock;

/// All the rules, with the engine's default switches.
pub fn validate(elements: &[Element]) -> Result<(), BarcodeError> {
    validate_with(elements, &Gs1Options::default())
}

/// All the rules; `req=` only when [`Gs1Options::validate_requisites`].
pub fn validate_with(elements: &[Element], options: &Gs1Options) -> Result<(), BarcodeError> {
    with_view(elements, |view| {
        let distinct = match view.known_good_layout(options) {
            Some(good) => good.distinct,
            None => {
                view.mutex()?;
                if options.validate_requisites {
                    view.requisites()?;
                }
                view.remember_pairs_good(options)
            }
        };
        // Only an AI that appears twice can repeat with another value.
        if !distinct {
            view.repeats()?;
        }
        view.digsig_serial()
    })
}

/// The AIs, in order, of the last scan on this thread that passed the
/// exclusive and required pair rules, whether `req=` was checked, and
/// whether the AIs are all different (then rule 3 has nothing to check,
/// whatever the values).
#[derive(Clone, Copy)]
struct GoodLayout {
    ais: [Ai; LAYOUT],
    len: usize,
    requisites: bool,
    distinct: bool,
}

/// Layouts up to this many AIs are remembered (labels have a handful).
const LAYOUT: usize = 8;

thread_local! {
    // The pair rules read the AIs only, never the values: a scan with
    // the AIs of the last good one passes them too. A desk scans one kind
    // of label after another, so this saves most of the rule work.
    static GOOD_LAYOUT: Cell<GoodLayout> = const {
        Cell::new(GoodLayout {
            ais: [Ai(0); LAYOUT],
            len: usize::MAX,
            requisites: false,
            distinct: false,
        })
    };
}

/// Rule 1 alone: exclusive AIs.
pub fn mutex(elements: &[Element]) -> Result<(), BarcodeError> {
    with_view(elements, |view| view.mutex())
}

/// Rule 2 alone: required AIs.
pub fn requisites(elements: &[Element]) -> Result<(), BarcodeError> {
    with_view(elements, |view| view.requisites())
}

/// Rule 3 alone: repeated AIs must repeat the value.
pub fn repeats(elements: &[Element]) -> Result<(), BarcodeError> {
    with_view(elements, |view| view.repeats())
}

/// Rule 4 alone: with (8030), a (253), (255) or (8003) must carry its
/// serial component (be longer than its shortest form).
pub fn digsig_serial(elements: &[Element]) -> Result<(), BarcodeError> {
    with_view(elements, |view| view.digsig_serial())
}

/// Runs `f` on the elements with their AIs packed: on the stack for the
/// usual handful of elements, on the heap past that.
fn with_view<T>(elements: &[Element], f: impl FnOnce(&View<'_>) -> T) -> T {
    const INLINE: usize = 16;
    if elements.len() <= INLINE {
        let mut ais = [Ai::default(); INLINE];
        for (ai, e) in ais.iter_mut().zip(elements) {
            *ai = Ai::of(&e.ai);
        }
        f(&View {
            elements,
            ais: &ais[..elements.len()],
        })
    } else {
        let ais: Vec<Ai> = elements.iter().map(|e| Ai::of(&e.ai)).collect();
        f(&View {
            elements,
            ais: &ais,
        })
    }
}

/// Whether `ai` matches `pattern`: the same length, `n` for any digit; the
/// engine compares a pattern's leading digits, so a pattern must start
/// with a digit (`nn` matches nothing); the dictionary's patterns all do.
pub fn matches(pattern: &str, ai: &str) -> bool {
    Pattern::compile(pattern).matches(Ai::of(ai))
}

/// The first element whose AI matches `pattern` and is not `ignore`
/// (the engine's `existsInAIdata`).
pub fn exists<'a>(
    elements: &'a [Element],
    pattern: &str,
    ignore: Option<&str>,
) -> Option<&'a Element> {
    let pattern = Pattern::compile(pattern);
    let ignore = ignore.map(Ai::of);
    elements.iter().find(|e| {
        let ai = Ai::of(&e.ai);
        pattern.matches(ai) && Some(ai) != ignore
    })
}

/// An AI of up to four characters packed into one integer: the bytes, the
/// length at bit 32, and bit 40 when they are all digits. Equality is one
/// comparison, a pattern match one mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
struct Ai(u64);

const LEN_SHIFT: u32 = 32;
const LEN_MASK: u64 = 0xff << LEN_SHIFT;
const DIGITS: u64 = 1 << 40;

impl Ai {
    fn of(ai: &str) -> Ai {
        Ai::of_bytes(ai.as_bytes())
    }

    const fn of_bytes(b: &[u8]) -> Ai {
        if b.len() > 4 {
            // Not an AI: a key no AI or pattern can equal.
            return Ai(u64::MAX);
        }
        let mut packed = (b.len() as u64) << LEN_SHIFT;
        let mut digits = true;
        let mut i = 0;
        while i < b.len() {
            packed |= (b[i] as u64) << (8 * i);
            digits &= b[i].is_ascii_digit();
            i += 1;
        }
        if digits {
            packed |= DIGITS;
        }
        Ai(packed)
    }
}

/// The digital signature and the AIs whose serial component it needs.
const DIGSIG: Ai = Ai::of_bytes(b"8030");
const SIGNED: [Ai; 3] = [
    Ai::of_bytes(b"253"),
    Ai::of_bytes(b"255"),
    Ai::of_bytes(b"8003"),
];

/// A `req=` / `ex=` pattern compiled to a mask over a packed [`Ai`]: the
/// length, all digits, and the fixed digits must be equal; `n` positions
/// are left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Pattern {
    mask: u64,
    value: u64,
}

impl Pattern {
    /// Matches nothing (a pattern not starting with a digit, or not a
    /// pattern).
    const NEVER: Pattern = Pattern { mask: 0, value: 1 };

    fn compile(pattern: &str) -> Pattern {
        let b = pattern.as_bytes();
        if b.len() > 4 || !b.first().is_some_and(u8::is_ascii_digit) {
            return Pattern::NEVER;
        }
        let mut mask = LEN_MASK | DIGITS;
        let mut value = ((b.len() as u64) << LEN_SHIFT) | DIGITS;
        for (i, &c) in b.iter().enumerate() {
            match c {
                b'n' => {}
                b'0'..=b'9' => {
                    mask |= 0xff << (8 * i);
                    value |= u64::from(c) << (8 * i);
                }
                _ => return Pattern::NEVER,
            }
        }
        Pattern { mask, value }
    }

    fn matches(self, ai: Ai) -> bool {
        ai.0 & self.mask == self.value
    }
}

/// One table entry's `ex=` and `req=` patterns, compiled.
struct Rules {
    entry: &'static AiEntry,
    ex: Vec<Pattern>,
    /// Each `req=` attribute: alternatives, each patterns all needed.
    req: Vec<Vec<Vec<Pattern>>>,
}

/// [`Rules`] for every entry of the table, in its order, compiled once.
fn all_rules() -> &'static [Rules] {
    static RULES: OnceLock<Vec<Rules>> = OnceLock::new();
    RULES.get_or_init(|| {
        ai_table::all()
            .iter()
            .map(|e| Rules {
                entry: e,
                ex: e.ex.iter().map(|p| Pattern::compile(p)).collect(),
                req: e
                    .req
                    .iter()
                    .map(|alternatives| {
                        alternatives
                            .iter()
                            .map(|all| all.iter().map(|p| Pattern::compile(p)).collect())
                            .collect()
                    })
                    .collect(),
            })
            .collect()
    })
}

/// The elements with their AIs packed.
struct View<'a> {
    elements: &'a [Element],
    ais: &'a [Ai],
}

impl<'a> View<'a> {
    /// The index of the first AI matching `pattern` that is not `ignore`.
    fn find(&self, pattern: Pattern, ignore: Option<Ai>) -> Option<usize> {
        self.ais
            .iter()
            .position(|&ai| pattern.matches(ai) && Some(ai) != ignore)
    }

    /// The rules of each element the table knows (unknown AIs have no
    /// pairing rules).
    fn with_rules(&self) -> impl Iterator<Item = (usize, &'static Rules)> + '_ {
        let all = all_rules();
        self.elements.iter().enumerate().filter_map(move |(i, e)| {
            parse::table_position(&e.ai)
                .and_then(|p| all.get(p))
                .map(|r| (i, r))
        })
    }

    /// The remembered layout, when these AIs are it (so they pass the
    /// pair rules).
    fn known_good_layout(&self, options: &Gs1Options) -> Option<GoodLayout> {
        let good = GOOD_LAYOUT.with(Cell::get);
        let same = good.len == self.ais.len()
            && good.ais.get(..good.len) == Some(self.ais)
            && (good.requisites || !options.validate_requisites);
        same.then_some(good)
    }

    /// Remembers these AIs as passing the pair rules; whether they are all
    /// different.
    fn remember_pairs_good(&self, options: &Gs1Options) -> bool {
        let ais = self.ais;
        let distinct = ais
            .iter()
            .enumerate()
            .all(|(i, ai)| !ais[i + 1..].contains(ai));
        if ais.len() <= LAYOUT {
            let mut layout = [Ai(0); LAYOUT];
            layout[..ais.len()].copy_from_slice(ais);
            GOOD_LAYOUT.with(|g| {
                g.set(GoodLayout {
                    ais: layout,
                    len: ais.len(),
                    requisites: options.validate_requisites,
                    distinct,
                })
            });
        }
        distinct
    }

    fn ai(&self, i: usize) -> &'a str {
        &self.elements[i].ai
    }

    fn mutex(&self) -> Result<(), BarcodeError> {
        for (i, rules) in self.with_rules() {
            for &pattern in &rules.ex {
                if let Some(j) = self.find(pattern, Some(self.ais[i])) {
                    return Err(BarcodeError::at_ai(
                        self.ai(i),
                        None,
                        format!(
                            "AI ({}) may not appear with AI ({}) (exclusive pair)",
                            self.ai(i),
                            self.ai(j)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn requisites(&self) -> Result<(), BarcodeError> {
        for (i, rules) in self.with_rules() {
            let me = Some(self.ais[i]);
            for (k, alternatives) in rules.req.iter().enumerate() {
                let satisfied = alternatives
                    .iter()
                    .any(|all| all.iter().all(|&p| self.find(p, me).is_some()));
                if !satisfied {
                    let written = rules.entry.req.get(k).copied().unwrap_or(&[]);
                    return Err(missing_requisite(self.ai(i), written));
                }
            }
        }
        Ok(())
    }

    fn repeats(&self) -> Result<(), BarcodeError> {
        let ais = self.ais;
        for (i, ai) in ais.iter().enumerate() {
            for (j, other) in ais.iter().enumerate().skip(i + 1) {
                if ai == other && self.elements[i].value != self.elements[j].value {
                    return Err(BarcodeError::at_ai(
                        self.ai(i),
                        None,
                        format!(
                            "AI ({}) appears twice with different values ({:?} and {:?})",
                            self.ai(i),
                            self.elements[i].value,
                            self.elements[j].value
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn digsig_serial(&self) -> Result<(), BarcodeError> {
        if !self.ais.contains(&DIGSIG) {
            return Ok(());
        }
        for signed in SIGNED {
            if let Some(i) = self.ais.iter().position(|&a| a == signed) {
                let shortest = parse::known(self.ai(i)).map(AiEntry::min_len);
                if shortest == Some(self.elements[i].value.len()) {
                    return Err(BarcodeError::at_ai(
                        self.ai(i),
                        None,
                        format!(
                            "AI ({}) needs its serial component when signed by AI (8030)",
                            self.ai(i)
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

/// "AI (10) needs (01), (02), (03), (8006) or (8026) in the same scan".
fn missing_requisite(ai: &str, alternatives: &[&[&str]]) -> BarcodeError {
    let wanted: Vec<String> = alternatives
        .iter()
        .map(|all| {
            all.iter()
                .map(|p| format!("({p})"))
                .collect::<Vec<_>>()
                .join(" with ")
        })
        .collect();
    let wanted = match wanted.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [head @ .., last] => format!("{} or {last}", head.join(", ")),
    };
    BarcodeError::at_ai(
        ai,
        None,
        format!("AI ({ai}) needs {wanted} in the same scan"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn els(pairs: &[(&str, &str)]) -> Vec<Element> {
        pairs
            .iter()
            .map(|(a, v)| Element {
                ai: a.to_string().into(),
                value: v.to_string(),
            })
            .collect()
    }

    #[test]
    fn a_pattern_must_start_with_a_digit_and_match_the_length() {
        assert!(matches("0n", "01"));
        assert!(matches("35nn", "3512"));
        assert!(matches("8002", "8002"));
        assert!(!matches("35nn", "351"));
        assert!(!matches("nn", "01"));
        assert!(!matches("01n", "01"));
        assert!(!matches("0n", "0A"));
        assert!(!matches("01", "0101010"));
    }

    #[test]
    fn the_same_ai_twice_is_an_error_only_with_different_values() {
        assert!(repeats(&els(&[("400", "ABC"), ("99", "D"), ("400", "ABC")])).is_ok());
        let e = repeats(&els(&[("400", "ABC"), ("400", "AB")])).unwrap_err();
        assert_eq!(e.ai.as_deref(), Some("400"));
    }

    #[test]
    fn a_remembered_layout_still_checks_the_values_of_repeated_ais() {
        // The second call finds the first one's layout remembered.
        let same = els(&[("01", "09506000134352"), ("21", "X"), ("21", "X")]);
        assert!(validate(&same).is_ok());
        let other = els(&[("01", "09506000134352"), ("21", "X"), ("21", "Y")]);
        assert!(validate(&other).is_err());
        let distinct = els(&[("01", "09506000134352"), ("21", "X")]);
        assert!(validate(&distinct).is_ok());
        assert!(validate(&distinct).is_ok());
    }

    #[test]
    fn an_ai_does_not_satisfy_its_own_requirement() {
        let e = requisites(&els(&[("21", "X")])).unwrap_err();
        assert_eq!(e.ai.as_deref(), Some("21"));
        assert!(e.message.contains("(01)"), "{}", e.message);
    }

    #[test]
    fn an_ai_is_not_exclusive_of_itself_but_of_its_family() {
        assert!(mutex(&els(&[("3940", "1234"), ("3940", "1234")])).is_ok());
        assert!(mutex(&els(&[("3940", "1234"), ("3941", "1234")])).is_err());
    }
}
