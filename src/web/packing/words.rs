//! Small pieces of text the packing pages share: what dispatch still waits
//! for, and a party (consignee, shipper) as its slip shows it.

use crate::domain::labels::{self, SlipWords};
use crate::domain::packaging::{Missing, Party};
use crate::web::text::Lang;
use maud::{html as markup, Markup};

/// What dispatch waits for, in the page's words; a key the words do not
/// know keeps the action's own sentence.
pub(super) fn missing_text(lang: Lang, m: &Missing) -> String {
    let words = labels::missing_words(lang, &m.key);
    if words == m.key {
        m.message.render(lang)
    } else {
        words
    }
}

pub(super) fn party_text(w: &SlipWords, p: &Party, not_set: &str) -> Markup {
    let blank = |s: &str| s.trim().is_empty();
    markup! {
        @if blank(&p.name) && blank(&p.address) && blank(&p.phone) {
            span class="unset" { (not_set) }
        } @else {
            span { (p.name) } br;
            span { (p.address) } br;
            (w.phone) " " span { (p.phone) }
        }
    }
}
