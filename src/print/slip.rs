//! The shipping slip (検体送付票) as a printable A4 HTML page.
//!
//! The slip travels inside the tertiary container (checklist item
//! `tertiary.slip_enclosed`) and is what the receiving lab reads first: who
//! sent what, in which order the tubes were taken, which rules were
//! overridden and why. It is plain black-on-white HTML so any browser prints
//! it; a package that may not leave yet prints with a banner saying so, so a
//! draft is never mistaken for the real slip. Stable ids (`package-id`,
//! `specimens`, `overrides`, `missing`, …) let tests and scripts find fields.

use super::label::format_kg;
use super::{Slip, SlipLine, SlipOverride};
use crate::domain::labels::{self, SlipWords};
use crate::domain::packaging::Party;
use crate::domain::Lang;
use chrono::{DateTime, FixedOffset};
use maud::{html, Markup, PreEscaped, DOCTYPE};

pub use crate::domain::labels::slip::*;

/// Black on white with ruled tables: photocopies and fax stay legible.
const CSS: &str = r#"
@page { size: A4; margin: 15mm }
* { box-sizing: border-box }
html { color: #000; background: #fff }
body { margin: 0; font-family: 'Noto Sans CJK JP', 'Noto Sans JP', 'IPAexGothic', 'Hiragino Sans', 'Yu Gothic', 'Meiryo', sans-serif; font-size: 10.5pt; line-height: 1.4 }
@media screen { body { max-width: 180mm; margin: 10mm auto } }
h1 { margin: 0 0 4mm; font-size: 18pt; text-align: center; letter-spacing: .3em }
h1 .en { display: block; font-size: 9pt; font-weight: normal; letter-spacing: 0 }
h2 { margin: 6mm 0 2mm; font-size: 12pt; border-bottom: 1px solid #000 }
table { width: 100%; border-collapse: collapse }
th, td { border: 1px solid #000; padding: 1.5mm 2mm; text-align: left; vertical-align: top }
th { font-weight: bold; white-space: nowrap }
.fields th { width: 38mm }
.en { font-size: 9pt }
thead { display: table-header-group }
tr { break-inside: avoid; page-break-inside: avoid }
#specimens th, #specimens td, #overrides th, #overrides td { font-size: 9pt }
.num { text-align: right; white-space: nowrap }
#specimens td.amount { width: 24mm }
#specimens td.container { width: 48mm }
.code { font-family: monospace }
#missing { margin: 0 0 5mm; padding: 3mm 4mm; border: 1mm solid #000; font-weight: bold }
#missing .title { margin: 0; font-size: 16pt }
#missing ul { margin: 1mm 0 0 }
"#;

fn status_words<'a>(w: &'a SlipWords, status: &'a str) -> &'a str {
    match status {
        "open" => w.status_open,
        "dispatched" => w.status_dispatched,
        "received" => w.status_received,
        other => other,
    }
}

/// With the offset: the slip may be read in another prefecture's lab, but
/// a server in UTC must not pass for Japan time either.
fn datetime(at: &DateTime<FixedOffset>) -> String {
    at.format("%Y-%m-%d %H:%M %:z").to_string()
}

fn party(w: &SlipWords, field: &str, p: &Party) -> Markup {
    html! {
        td id=(field) {
            span data-field="name" { (p.name) } br;
            span data-field="address" { (p.address) } br;
            (w.phone) " " span data-field="phone" { (p.phone) }
        }
    }
}

/// A line's words that depend on the language: type, container.
fn line_words(lang: Lang, line: &SlipLine) -> (String, &'static str) {
    match lang {
        Lang::Ja => (line.type_label_ja.to_string(), line.container_ja),
        Lang::En => (
            labels::specimen_type_en(line.specimen_type),
            labels::container_en(line.specimen_type),
        ),
    }
}

/// The slip as a complete HTML document, ready to print on A4: in
/// Japanese, or in English when `lang` asks for it. The UN3373 proper
/// shipping name stays in English in both: the regulations spell it so.
pub fn html(slip: &Slip, lang: Lang) -> String {
    let w = labels::slip_words(lang);
    let carrier = match lang {
        Lang::Ja => slip.carrier_label_ja,
        Lang::En => labels::carrier_en(slip.carrier),
    };
    let rule = |o: &SlipOverride| match lang {
        Lang::Ja => o.rule_label_ja.to_string(),
        Lang::En => labels::rule_en(o.code),
    };
    let doc_lang = match lang {
        Lang::Ja => "ja",
        Lang::En => "en",
    };
    let markup = html! {
        (DOCTYPE)
        html lang=(doc_lang) {
            head {
                meta charset="utf-8";
                title { (w.title) " " (slip.package_id) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { (w.title) }
                @if !slip.missing.is_empty() {
                    div id="missing" role="alert" {
                        p.title { (w.missing_title) }
                        p { (w.missing_note) }
                        ul {
                            @for key in &slip.missing {
                                li data-key=(key) { (labels::missing_words(lang, key)) }
                            }
                        }
                    }
                }
                table.fields id="slip-fields" {
                    tr { th { (w.head_date) } td id="date" { (slip.date.format("%Y-%m-%d")) } }
                    tr { th { (w.head_package) } td id="package-id" .code { (slip.package_id) } }
                    tr {
                        th { (w.head_status) }
                        td id="status" data-status=(slip.status) { (status_words(w, &slip.status)) }
                    }
                    tr {
                        th { (w.head_contents) }
                        td id="contents" {
                            @if lang == Lang::Ja { (slip.contents_ja) br; }
                            span.en lang="en" { (slip.contents) }
                        }
                    }
                    tr { th { (w.head_quantity) } td id="quantity" { (slip.quantity) " " (w.unit_tubes) } }
                    tr { th { (w.head_shipper) } (party(w, "shipper", &slip.shipper)) }
                    tr { th { (w.head_consignee) } (party(w, "consignee", &slip.consignee)) }
                    tr { th { (w.head_emergency) } td id="emergency-phone" { (slip.emergency_phone) } }
                    tr {
                        th { (w.head_carrier) }
                        td id="carrier" data-carrier=(slip.carrier.code()) { (carrier) }
                    }
                    @if let Some(packer) = &slip.packer {
                        tr {
                            th { (w.head_packer) }
                            td id="packer" {
                                span data-field="name" { (packer.name) }
                                " (" (w.head_certificate) " "
                                span data-field="certificate-id" { (packer.certificate_id) } ")"
                            }
                        }
                    }
                    @if let Some(kg) = slip.dry_ice_kg {
                        tr {
                            th { (w.head_dry_ice) }
                            td id="dry-ice" {
                                "UN1845 " (w.head_dry_ice) " " (w.dry_ice_net) " " (format_kg(kg)) " kg"
                            }
                        }
                    }
                    @if let Some(at) = &slip.dispatched_at {
                        tr {
                            th { (w.head_dispatched_at) }
                            td id="dispatched-at" { (datetime(at)) }
                        }
                    }
                    @if let Some(by) = &slip.dispatched_by {
                        tr { th { (w.head_dispatched_by) } td id="dispatched-by" { (by) } }
                    }
                }

                h2 { (w.head_specimens) }
                table id="specimens" {
                    thead {
                        tr {
                            th { (w.col_number) } th { (w.col_specimen_id) } th { (w.col_type) } th { (w.col_amount) }
                            th { (w.col_container) } th { (w.col_collected) } th { (w.col_onset) }
                            th { (w.col_days) } th { (w.col_patient) }
                        }
                    }
                    tbody {
                        @for line in &slip.specimens {
                            @let (kind, container) = line_words(lang, line);
                            tr data-specimen-id=(line.specimen_id) {
                                td.num { (line.number) }
                                td.code { (line.specimen_id) }
                                td { (kind) }
                                td.amount { (line.amount) }
                                td.container { (container) }
                                td.num { (line.collection_date.format("%Y-%m-%d")) }
                                td.num {
                                    @if let Some(onset) = line.onset_date {
                                        (onset.format("%Y-%m-%d"))
                                    } @else {
                                        "—"
                                    }
                                }
                                td.num {
                                    @if let Some(days) = line.days_since_onset {
                                        (days) " " (w.days)
                                    } @else {
                                        "—"
                                    }
                                }
                                td.code {
                                    @if let Some(patient) = &line.patient_id { (patient) } @else { (w.not_recorded) }
                                }
                            }
                        }
                    }
                }

                h2 { (w.head_overrides) }
                div id="overrides" {
                    @if slip.overrides.is_empty() {
                        p { (w.none) }
                    } @else {
                        table {
                            thead {
                                tr {
                                    th { (w.col_specimen_id) } th { (w.col_code) } th { (w.col_reason) }
                                    th { (w.col_by) } th { (w.col_at) }
                                }
                            }
                            tbody {
                                @for o in &slip.overrides {
                                    tr data-code=(o.code.as_str()) {
                                        td.code {
                                            @if let Some(id) = &o.specimen_id {
                                                (id)
                                            } @else {
                                                (w.package_level)
                                            }
                                        }
                                        td { (rule(o)) }
                                        td { (o.reason) }
                                        td { (o.by) }
                                        td.num { (datetime(&o.at)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    markup.into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::packaging::{Carrier, Packer};
    use crate::domain::{RuleCode, SpecimenType};
    use crate::print::{SlipLine, SlipOverride, CONTENTS_EN, CONTENTS_JA};
    use chrono::{NaiveDate, TimeZone};

    fn jst(h: u32) -> DateTime<FixedOffset> {
        FixedOffset::east_opt(9 * 3600)
            .unwrap()
            .with_ymd_and_hms(2026, 11, 20, h, 30, 0)
            .unwrap()
    }

    fn line(number: usize, id: &str, t: SpecimenType, ja: &'static str) -> SlipLine {
        SlipLine {
            number,
            specimen_id: id.into(),
            specimen_type: t,
            type_label_ja: ja,
            priority: number as i32,
            amount: "1.5 mL".into(),
            volume_ml: Some(1.5),
            container_ja: "滅菌容器（50 mL 遠沈管）",
            collected_at: jst(8),
            collection_date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            onset_date: NaiveDate::from_ymd_opt(2026, 11, 17),
            days_since_onset: Some(3),
            patient_id: Some("P-0042".into()),
        }
    }

    fn slip() -> Slip {
        let (shipper, consignee) = crate::print::sample_parties();
        Slip {
            package_id: "106141411234567897".into(),
            status: "open".into(),
            date: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
            contents: CONTENTS_EN.into(),
            contents_ja: CONTENTS_JA.into(),
            quantity: 2,
            shipper,
            consignee,
            emergency_phone: "090-1234-5678".into(),
            carrier: Carrier::YuPack,
            carrier_label_ja: Carrier::YuPack.label_ja(),
            packer: Some(Packer {
                name: "山田 花子".into(),
                certificate_id: "JP-123".into(),
            }),
            dry_ice_kg: None,
            specimens: vec![
                line(1, "SP-0002", SpecimenType::Sputum, "喀痰"),
                line(2, "SA-0001", SpecimenType::Saliva, "唾液"),
            ],
            overrides: vec![SlipOverride {
                specimen_id: Some("SA-0001".into()),
                code: RuleCode::PriorityViolation,
                rule_label_ja: "送付優先順位",
                reason: "喀痰は翌日別便で送付".into(),
                by: "佐藤".into(),
                at: jst(9),
            }],
            dispatched_at: None,
            dispatched_by: None,
            missing: vec![],
        }
    }

    #[test]
    fn the_slip_is_a_japanese_a4_page_titled_with_the_package() {
        let page = html(&slip(), Lang::Ja);
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains(r#"<html lang="ja">"#));
        assert!(page.contains("<title>検体送付票 106141411234567897</title>"));
        assert!(page.contains("@page { size: A4; margin: 15mm }"));
    }

    #[test]
    fn the_slip_shows_every_heading_and_field() {
        let page = html(&slip(), Lang::Ja);
        for text in [
            TITLE,
            HEAD_DATE,
            "2026-11-20",
            HEAD_PACKAGE,
            r#"id="package-id""#,
            CONTENTS_JA,
            CONTENTS_EN,
            HEAD_QUANTITY,
            "2 本",
            HEAD_SHIPPER,
            "さくらクリニック",
            HEAD_CONSIGNEE,
            "東京都健康安全研究センター",
            "03-3363-3231",
            HEAD_EMERGENCY,
            "090-1234-5678",
            HEAD_CARRIER,
            "ゆうパック（陸送）",
            HEAD_PACKER,
            "山田 花子",
            HEAD_CERTIFICATE,
            "JP-123",
            COL_SPECIMEN_ID,
            COL_TYPE,
            COL_DAYS,
            COL_PATIENT,
            "3 日",
            "P-0042",
            HEAD_OVERRIDES,
        ] {
            assert!(page.contains(text), "{text} missing");
        }
        assert!(!page.contains(HEAD_DRY_ICE));
        assert!(!page.contains(HEAD_DISPATCHED_AT));
    }

    #[test]
    fn specimens_are_listed_in_the_given_order() {
        let page = html(&slip(), Lang::Ja);
        let table = &page[page.find(r#"id="specimens""#).unwrap()..];
        let first = table.find("SP-0002").unwrap();
        let second = table.find("SA-0001").unwrap();
        assert!(first < second);
    }

    #[test]
    fn each_override_shows_its_rule_reason_author_and_time() {
        let page = html(&slip(), Lang::Ja);
        let overrides = &page[page.find(r#"id="overrides""#).unwrap()..];
        for text in [
            "SA-0001",
            "priority_violation",
            "送付優先順位",
            "喀痰は翌日別便で送付",
            "佐藤",
            "2026-11-20 09:30 +09:00",
        ] {
            assert!(overrides.contains(text), "{text} missing");
        }
        let mut none = slip();
        none.overrides.clear();
        let page = html(&none, Lang::Ja);
        let overrides = &page[page.find(r#"id="overrides""#).unwrap()..];
        assert!(overrides.contains("<p>なし</p>"));
    }

    #[test]
    fn names_are_escaped() {
        let mut hostile = slip();
        hostile.consignee.name = "<script>alert(1)</script>".into();
        let page = html(&hostile, Lang::Ja);
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    }

    #[test]
    fn the_draft_banner_appears_only_while_something_is_missing() {
        assert!(!html(&slip(), Lang::Ja).contains(MISSING_TITLE));
        assert!(!html(&slip(), Lang::Ja).contains(r#"id="missing""#));
        let mut draft = slip();
        draft.missing = vec!["consignee.phone".into(), "primary.parafilm:SA-0001".into()];
        let page = html(&draft, Lang::Ja);
        let banner = &page[page.find(r#"id="missing""#).unwrap()..];
        assert!(banner.contains(MISSING_TITLE));
        assert!(banner.contains(r#"data-key="consignee.phone">送付票: 受取人の電話番号<"#));
        assert!(banner.contains(
            r#"data-key="primary.parafilm:SA-0001">一次容器: パラフィルムで密封した（SA-0001）<"#
        ));
        assert!(page.find(r#"id="missing""#) < page.find(r#"id="package-id""#));
    }

    #[test]
    fn a_dispatched_slip_shows_when_and_by_whom_and_the_dry_ice() {
        let mut sent = slip();
        sent.status = "dispatched".into();
        sent.dispatched_at = Some(jst(14));
        sent.dispatched_by = Some("鈴木".into());
        sent.dry_ice_kg = Some(2.5);
        let page = html(&sent, Lang::Ja);
        for text in [
            HEAD_DISPATCHED_AT,
            "2026-11-20 14:30 +09:00",
            HEAD_DISPATCHED_BY,
            "鈴木",
            STATUS_DISPATCHED,
            "UN1845 ドライアイス 正味 2.5 kg",
        ] {
            assert!(page.contains(text), "{text} missing");
        }
    }

    /// The text a person reads: the markup without its tags, attributes
    /// and stylesheet.
    fn words(page: &str) -> String {
        let body = &page[page.find("<body>").unwrap()..];
        let mut out = String::new();
        let mut in_tag = false;
        for c in body.chars() {
            match c {
                '<' => {
                    in_tag = true;
                    out.push(' ');
                }
                '>' => in_tag = false,
                c if !in_tag => out.push(c),
                _ => {}
            }
        }
        out
    }

    #[test]
    fn every_word_on_the_japanese_slip_is_japanese_the_amounts_and_units_too() {
        let mut draft = slip();
        draft.missing = vec!["primary.parafilm:SA-0001".into(), "consignee.phone".into()];
        draft.dry_ice_kg = Some(2.0);
        draft.specimens[0].volume_ml = None;
        draft.specimens[1] = line(
            2,
            "NP-0003",
            SpecimenType::NasopharyngealSwab,
            "鼻咽頭ぬぐい液",
        );
        draft.specimens[1].volume_ml = None;
        draft.specimens[1].patient_id = None;
        let draft = draft.in_lang(Lang::Ja);
        assert_eq!(draft.specimens[0].amount, "1–2 mL（目安・実量は未記録）");
        assert_eq!(
            draft.specimens[1].amount,
            "スワブ1本（輸送培地 1–3 mL）（目安・実量は未記録）"
        );
        let page = html(&draft, Lang::Ja);
        let text = words(&page);
        // What may stay Latin: identifiers, units, marks and the UN3373
        // proper shipping name, which the regulations spell in English.
        let allowed = [
            "SSCC",
            "UN",
            "Biological",
            "Substance",
            "Category",
            "B",
            "SARS",
            "CoV",
            "mL",
            "kg",
            "g",
            "SP",
            "SA",
            "NP",
            "JP",
            "P",
        ];
        let latin: Vec<&str> = text
            .split(|c: char| !c.is_ascii_alphabetic())
            .filter(|w| !w.is_empty() && !allowed.contains(w))
            .collect();
        assert!(
            latin.is_empty(),
            "English on the Japanese slip: {latin:?}\n{text}"
        );
        assert!(
            text.contains(NOT_RECORDED),
            "the missing patient number says so"
        );
    }

    #[test]
    fn asked_for_english_the_slip_and_its_amounts_read_in_english() {
        let mut en = slip();
        en.specimens[1] = line(
            2,
            "NP-0003",
            SpecimenType::NasopharyngealSwab,
            "鼻咽頭ぬぐい液",
        );
        en.specimens[1].volume_ml = None;
        en.missing = vec!["tertiary.sealed".into()];
        let en = en.in_lang(Lang::En);
        assert_eq!(
            en.specimens[1].amount,
            "1 swab in 1–3 mL VTM/UTM (guide; volume not recorded)"
        );
        let page = html(&en, Lang::En);
        assert!(page.contains(r#"<html lang="en">"#));
        for text in [
            TITLE_EN,
            "Consignee",
            "Japan Post Yu-Pack (land only)",
            "Sending priority",
            "Tertiary (outer) container: Outer container sealed",
            "Sterile spitz tube",
        ] {
            assert!(page.contains(text), "{text} missing");
        }
        assert!(!page.contains(TITLE), "no Japanese title");
    }
}
