//! Command barcodes for the packing, receiving and result desks (README,
//! "Barcode kinds"): every [`Command::all`] entry as a plain Code 128 (`]C0`) of
//! its `KTCMD:…` text, grouped by layer of the triple package, then the
//! actions and the results, each with its Japanese wording and its code
//! underneath.
//!
//! The technician scans them with gloves on, the scanner held away from
//! the package, so the sheet is sized for about 30 cm: modules of 0.4 mm
//! and bars 12 mm tall. At that size the longest code
//! (`KTCMD:tick:secondary.leakproof_sealed`, 442 modules) is 177 mm long,
//! one code a row, so the A4 sheet runs to three pages; a group that does
//! not fit the rest of a page continues on the next under its heading
//! again.
//!
//! Formats: SVG (A4 pages in mm), PNG (A4 pages at a resolution whose whole
//! pixels make modules of at least 0.4 mm that still fit the page) and ZPL
//! (one 4 × 2 in label per command).

use super::canvas::{self, px, Gray};
use super::font::{bitmap_scale, GLYPH_ADVANCE};
use super::gs1_128::{num, svg_bars, QUIET_ZONE_MODULES};
use super::matrix::{code128_modules, zpl_code128};
use super::text::{fit, xml_escape, zpl_escape, FONT_FAMILY, MONO_FAMILY, SVG_UNIT};
use crate::barcode::classify::Command;
use crate::domain::messages::{test_result_name, Lang};
use crate::domain::packaging::Layer;
use std::fmt::Write as _;

pub use super::matrix::PrintError;
pub use crate::domain::labels::command_sheet::*;

/// The headings the sheet groups commands under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    Primary,
    Secondary,
    Tertiary,
    Overpack,
    /// The UN3373 mark and securing the package in the vehicle: one item
    /// each, so one heading.
    MarksTransport,
    /// Start, dispatch, receive, cancel.
    Actions,
    /// The result desk's result codes.
    Results,
}

impl Group {
    pub fn of(command: Command) -> Group {
        match command {
            Command::Tick(item) | Command::Untick(item) => match item.layer() {
                Layer::Primary => Group::Primary,
                Layer::Secondary => Group::Secondary,
                Layer::Tertiary => Group::Tertiary,
                Layer::Overpack => Group::Overpack,
                Layer::Marks | Layer::Transport => Group::MarksTransport,
            },
            Command::NewPackage | Command::Dispatch | Command::Receive | Command::Cancel => {
                Group::Actions
            }
            Command::Result(_) => Group::Results,
        }
    }

    pub fn title_ja(self) -> &'static str {
        match self {
            Group::Primary => Layer::Primary.label_ja(),
            Group::Secondary => Layer::Secondary.label_ja(),
            Group::Tertiary => Layer::Tertiary.label_ja(),
            Group::Overpack => Layer::Overpack.label_ja(),
            Group::MarksTransport => GROUP_MARKS_TRANSPORT,
            Group::Actions => GROUP_ACTIONS,
            Group::Results => GROUP_RESULTS,
        }
    }

    /// The heading in the PNG's ASCII font.
    pub fn title_en(self) -> &'static str {
        match self {
            Group::Primary => "primary",
            Group::Secondary => "secondary",
            Group::Tertiary => "tertiary",
            Group::Overpack => "overpack",
            Group::MarksTransport => "marks / transport",
            Group::Actions => "actions",
            Group::Results => "results",
        }
    }
}

/// What a command does, in the checklist's Japanese.
pub fn label_ja(command: Command) -> String {
    match command {
        Command::Tick(item) => item.label_ja().to_string(),
        Command::Untick(item) => format!("{UNTICK}: {}", item.label_ja()),
        Command::NewPackage => NEW_PACKAGE.to_string(),
        Command::Dispatch => DISPATCH.to_string(),
        Command::Receive => RECEIVE.to_string(),
        Command::Cancel => CANCEL.to_string(),
        // The desk's own words for the result (判定保留 and 無効 apart,
        // where the report says 判定不能 for both).
        Command::Result(r) => test_result_name(r, Lang::Ja).to_string(),
    }
}

/// The id of a command's bar group in the SVG: `cmd-tick-secondary.absorbent`.
pub fn svg_id(command: Command) -> String {
    format!("cmd-{}", command.code().replace(':', "-"))
}

// ---- layout (mm) -----------------------------------------------------------

pub const PAGE_WIDTH: f64 = 210.0;
pub const PAGE_HEIGHT: f64 = 297.0;
/// The narrowest module that still scans from about 30 cm.
pub const MODULE_MM: f64 = 0.4;
pub const BAR_HEIGHT_MM: f64 = 12.0;
const MARGIN: f64 = 10.0;
const TITLE_BASELINE: f64 = 17.0;
const NOTE_BASELINE: f64 = 23.0;
const CONTENT_TOP: f64 = 27.0;
const CONTENT_BOTTOM: f64 = 285.0;
const FOOTER_BASELINE: f64 = 291.0;
const HEADING_HEIGHT: f64 = 8.0;
/// Bars, then the Japanese label and the code under them.
const ROW_HEIGHT: f64 = 20.0;
const LABEL_SIZE: f64 = 3.0;
const CODE_SIZE: f64 = 2.5;

/// One thing on a page, at `top` (mm from the top edge).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Entry {
    Heading {
        group: Group,
        top: f64,
        /// The group started on the page before.
        continued: bool,
    },
    Row {
        command: Command,
        /// Top of the bars.
        top: f64,
    },
}

/// The sheet's pages: headings and rows in [`Command::all`] order, a
/// heading never alone at the foot of a page.
pub fn pages() -> Vec<Vec<Entry>> {
    let mut pages = vec![Vec::new()];
    let mut y = CONTENT_TOP;
    let mut group: Option<Group> = None;
    for command in Command::all() {
        let this = Group::of(command);
        let new_group = group != Some(this);
        let needed = if new_group {
            HEADING_HEIGHT + ROW_HEIGHT
        } else {
            ROW_HEIGHT
        };
        let mut continued = false;
        if y + needed > CONTENT_BOTTOM {
            pages.push(Vec::new());
            y = CONTENT_TOP;
            continued = !new_group;
        }
        let page = pages.len() - 1;
        if new_group || continued {
            pages[page].push(Entry::Heading {
                group: this,
                top: y,
                continued,
            });
            y += HEADING_HEIGHT;
        }
        pages[page].push(Entry::Row { command, top: y });
        y += ROW_HEIGHT;
        group = Some(this);
    }
    pages
}

pub fn page_count() -> usize {
    pages().len()
}

fn page(number: usize) -> Result<Vec<Entry>, PrintError> {
    let mut all = pages();
    let count = all.len();
    if number == 0 || number > count {
        return Err(PrintError::NoSuchPage {
            page: number,
            pages: count,
        });
    }
    Ok(all.swap_remove(number - 1))
}

/// Every command with the modules of its Code 128, in sheet order.
fn symbols() -> Result<Vec<(Command, Vec<bool>)>, PrintError> {
    Command::all()
        .into_iter()
        .map(|c| Ok((c, code128_modules(&c.barcode_text())?)))
        .collect()
}

/// Left edge of every row's bars (mm): 14 mm in, or less so the longest
/// symbol keeps its right quiet zone on the page.
fn bars_left(widest_modules: usize, module: f64) -> f64 {
    14.0f64.min((PAGE_WIDTH - widest_modules as f64 * module) / 2.0)
}

fn heading_text(group: Group, continued: bool, ja: bool) -> String {
    let title = if ja {
        group.title_ja()
    } else {
        group.title_en()
    };
    match (continued, ja) {
        (false, _) => title.to_string(),
        (true, true) => format!("{title}（続き）"),
        (true, false) => format!("{title} (continued)"),
    }
}

// ---- SVG -------------------------------------------------------------------

/// One A4 page (1-based) as a standalone SVG in mm. Each command is a
/// `<g id="cmd-…" data-module="0.4" data-text="KTCMD:…">` of bars (read back
/// with `gs1_128::modules_from_svg_rects`), with `data-field="label"` and
/// `data-field="code"` texts under it.
pub fn svg(number: usize) -> Result<String, PrintError> {
    let entries = page(number)?;
    let count = page_count();
    let symbols = symbols()?;
    let widest = symbols.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
    let left = bars_left(widest, MODULE_MM);

    let mut out = String::with_capacity(64 * 1024);
    let _ = write!(
        out,
        r##"<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}" font-family="{FONT_FAMILY}" fill="#000">"##,
        w = num(PAGE_WIDTH),
        h = num(PAGE_HEIGHT)
    );
    let _ = write!(out, "<title>{TITLE} {number}/{count}</title>");
    let _ = write!(
        out,
        r##"<rect width="{}" height="{}" fill="#fff"/>"##,
        num(PAGE_WIDTH),
        num(PAGE_HEIGHT)
    );
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="6" font-weight="bold">{}</text>"#,
        num(MARGIN),
        num(TITLE_BASELINE),
        xml_escape(TITLE)
    );
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="3.2" text-anchor="end">kentai command barcodes</text>"#,
        num(PAGE_WIDTH - MARGIN),
        num(TITLE_BASELINE)
    );
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="3">{}</text>"#,
        num(MARGIN),
        num(NOTE_BASELINE),
        xml_escape(NOTE)
    );

    let text_width = PAGE_WIDTH - MARGIN - left;
    for entry in entries {
        match entry {
            Entry::Heading {
                group,
                top,
                continued,
            } => {
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{}" font-size="4.2" font-weight="bold" data-field="group">{}</text>"#,
                    num(MARGIN),
                    num(top + 5.0),
                    xml_escape(&heading_text(group, continued, true))
                );
                let _ = write!(
                    out,
                    r##"<path d="M{} {}H{}" stroke="#000" stroke-width="0.3"/>"##,
                    num(MARGIN),
                    num(top + 6.6),
                    num(PAGE_WIDTH - MARGIN)
                );
            }
            Entry::Row { command, top } => {
                let modules = symbols
                    .iter()
                    .find(|(c, _)| *c == command)
                    .map(|(_, m)| m.as_slice())
                    .unwrap_or_default();
                let text = command.barcode_text();
                let _ = write!(
                    out,
                    r#"<g id="{}" data-module="{}" data-text="{}" shape-rendering="crispEdges">{}</g>"#,
                    svg_id(command),
                    num(MODULE_MM),
                    xml_escape(&text),
                    svg_bars(modules, left, top, MODULE_MM, BAR_HEIGHT_MM)
                );
                let (size, lines) = fit(
                    &label_ja(command),
                    text_width,
                    1,
                    &[LABEL_SIZE, 2.6],
                    SVG_UNIT,
                );
                for line in lines {
                    let _ = write!(
                        out,
                        r#"<text x="{}" y="{}" font-size="{}" font-weight="bold" data-field="label">{}</text>"#,
                        num(left),
                        num(top + BAR_HEIGHT_MM + 3.6),
                        num(size),
                        xml_escape(&line)
                    );
                }
                let _ = write!(
                    out,
                    r#"<text x="{}" y="{}" font-size="{}" font-family="{MONO_FAMILY}" data-field="code">{}</text>"#,
                    num(left),
                    num(top + BAR_HEIGHT_MM + 6.6),
                    num(CODE_SIZE),
                    xml_escape(&text)
                );
            }
        }
    }

    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="2.6">KTCMD · Code 128 · X {} mm</text>"#,
        num(MARGIN),
        num(FOOTER_BASELINE),
        num(MODULE_MM)
    );
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="3" text-anchor="end" data-field="page">{PAGE} {number} / {count}</text>"#,
        num(PAGE_WIDTH - MARGIN),
        num(FOOTER_BASELINE)
    );
    out.push_str("</svg>\n");
    Ok(out)
}

// ---- PNG -------------------------------------------------------------------

/// Resolutions a sheet PNG may be asked for (an A4 page at 600 dpi is
/// already 35 megapixels).
pub const PNG_DPI: std::ops::RangeInclusive<u32> = 150..=600;

/// Where each bar symbol is on a PNG page: the command and the box
/// (x, y, width, height in pixels) of its bars with their quiet zones, for
/// scanning a page back one symbol at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BarBox {
    pub command: Command,
    pub x: usize,
    pub y: usize,
    pub width: usize,
    pub height: usize,
}

/// Pixel geometry of a PNG page: module, bar height and left edge.
struct Raster {
    module: usize,
    bar_height: usize,
    left: usize,
}

fn raster_geometry(dpi: u32, widest: usize) -> Result<Raster, PrintError> {
    if !PNG_DPI.contains(&dpi) {
        return Err(PrintError::Dpi(format!(
            "dpi must be {} to {}, not {dpi}",
            PNG_DPI.start(),
            PNG_DPI.end()
        )));
    }
    let ppm = canvas::per_mm(dpi);
    // The fewest whole pixels that are still 0.4 mm.
    let module = (MODULE_MM * ppm - 1e-9).ceil() as usize;
    let page_width = px(PAGE_WIDTH, dpi);
    let symbol = widest * module;
    let left = px(14.0, dpi).min(page_width.saturating_sub(symbol) / 2);
    if left < QUIET_ZONE_MODULES * module {
        return Err(PrintError::Dpi(format!(
            "at {dpi} dpi a 0.4 mm module rounds up to {module} px ({:.3} mm) and the longest code no longer fits A4 with its quiet zones; use 300 or 600 dpi",
            module as f64 / ppm
        )));
    }
    Ok(Raster {
        module,
        bar_height: (BAR_HEIGHT_MM * ppm).ceil() as usize,
        left,
    })
}

/// Where the bars of page `number` are at `dpi` (see [`BarBox`]).
pub fn bar_boxes(number: usize, dpi: u32) -> Result<Vec<BarBox>, PrintError> {
    let entries = page(number)?;
    let symbols = symbols()?;
    let widest = symbols.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
    let geometry = raster_geometry(dpi, widest)?;
    let quiet = QUIET_ZONE_MODULES * geometry.module;
    Ok(entries
        .into_iter()
        .filter_map(|e| match e {
            Entry::Row { command, top } => {
                let len = symbols.iter().find(|(c, _)| *c == command)?.1.len();
                Some(BarBox {
                    command,
                    x: geometry.left - quiet,
                    y: px(top, dpi),
                    width: len * geometry.module + 2 * quiet,
                    height: geometry.bar_height,
                })
            }
            Entry::Heading { .. } => None,
        })
        .collect())
}

/// One A4 page (1-based) as an 8-bit greyscale PNG at `dpi`. The bars are
/// whole pixels of at least 0.4 mm; the headings, codes and page number are
/// in the ASCII bitmap font (English headings), because kentai has no font
/// rasteriser for the Japanese: print the SVG where the Japanese wording is
/// wanted.
pub fn png(number: usize, dpi: u32) -> Result<Vec<u8>, PrintError> {
    raster(number, dpi)?.to_png(dpi)
}

fn raster(number: usize, dpi: u32) -> Result<Gray, PrintError> {
    let entries = page(number)?;
    let count = page_count();
    let symbols = symbols()?;
    let widest = symbols.iter().map(|(_, m)| m.len()).max().unwrap_or(0);
    let geometry = raster_geometry(dpi, widest)?;
    let ppm = canvas::per_mm(dpi);
    // A font pixel a tenth of the font size (capitals about 0.7 em).
    let scale_for = |size: f64| ((size * ppm) / 10.0).round().max(1.0) as usize;

    let mut image = Gray::white(px(PAGE_WIDTH, dpi), px(PAGE_HEIGHT, dpi));
    let margin = px(MARGIN, dpi);
    let write = |image: &mut Gray, text: &str, x: usize, baseline_mm: f64, size: f64| {
        let width = image.width.saturating_sub(x + margin);
        if let Some(scale) = bitmap_scale(text, width, scale_for(size)) {
            let top = px(baseline_mm, dpi).saturating_sub(7 * scale);
            image.draw_text(text, x, top, scale);
        }
    };
    write(
        &mut image,
        "kentai command barcodes",
        margin,
        TITLE_BASELINE,
        6.0,
    );
    for entry in entries {
        match entry {
            Entry::Heading {
                group,
                top,
                continued,
            } => {
                write(
                    &mut image,
                    &heading_text(group, continued, false),
                    margin,
                    top + 5.0,
                    4.2,
                );
                let rule = (0.3 * ppm).ceil() as usize;
                image.fill(
                    margin,
                    px(top + 6.6, dpi),
                    image.width - 2 * margin,
                    rule.max(1),
                );
            }
            Entry::Row { command, top } => {
                if let Some((_, modules)) = symbols.iter().find(|(c, _)| *c == command) {
                    image.draw_bars(
                        modules,
                        geometry.left,
                        px(top, dpi),
                        geometry.module,
                        geometry.bar_height,
                    );
                }
                write(
                    &mut image,
                    &command.barcode_text(),
                    geometry.left,
                    top + BAR_HEIGHT_MM + 5.0,
                    3.2,
                );
            }
        }
    }
    let footer = format!("page {number} / {count}");
    let footer_x = image
        .width
        .saturating_sub(margin + footer.len() * GLYPH_ADVANCE * scale_for(3.0));
    write(&mut image, &footer, footer_x, FOOTER_BASELINE, 3.0);
    Ok(image)
}

// ---- ZPL -------------------------------------------------------------------

/// 4 × 2 in at 203 dpi.
const DOTS_WIDTH: i64 = 812;
const DOTS_HEIGHT: i64 = 406;
const DOTS_MARGIN: i64 = 24;
const ZPL_UNIT: f64 = 0.52;
/// 15 mm bars.
const DOTS_BAR_HEIGHT: i64 = 120;

/// The module (dots) of a command's Code 128 on a 4 × 2 in label: as wide
/// as fits with 10-module quiet zones, at most 4 dots (0.5 mm).
///
/// A 4-inch label cannot hold the longer codes at 0.4 mm (that takes
/// 185 mm for `KTCMD:tick:secondary.leakproof_sealed`): they come out at
/// one or two dots (0.125–0.25 mm), to be scanned from close up. The A4
/// sheet is the one for scanning from a distance.
pub fn zpl_module(modules: usize) -> i64 {
    (DOTS_WIDTH / (modules + 2 * QUIET_ZONE_MODULES) as i64).clamp(1, 4)
}

/// One ZPL II label per command (4 × 2 in, 203 dpi, `^CI28` UTF-8), the
/// `^XA…^XZ` blocks concatenated in sheet order: group heading and
/// Japanese label in the CJK font, the Code 128 (`^BC`, code sets chosen
/// by `zpl_code128`), and the code as text under the bars.
pub fn zpl() -> Result<String, PrintError> {
    let mut out = String::with_capacity(16 * 1024);
    for command in Command::all() {
        let text = command.barcode_text();
        let (field, modules) = zpl_code128(&text)?;
        let module = zpl_module(modules);
        let x = (DOTS_WIDTH - modules as i64 * module) / 2;
        let width = DOTS_WIDTH - 2 * DOTS_MARGIN;
        let _ = writeln!(out, "^XA");
        let _ = writeln!(out, "^CI28");
        let _ = writeln!(out, "^PW{DOTS_WIDTH}");
        let _ = writeln!(out, "^LL{DOTS_HEIGHT}");
        let _ = writeln!(out, "^LH0,0");
        let _ = writeln!(out, "^CWJ,{}", super::label::ZPL_CJK_FONT);
        let _ = writeln!(
            out,
            "^FO{DOTS_MARGIN},20^AJN,26,26^FH^FD{}^FS",
            zpl_escape(Group::of(command).title_ja())
        );
        let (h, lines) = fit(
            &label_ja(command),
            width as f64,
            1,
            &[40.0, 34.0, 28.0, 24.0],
            ZPL_UNIT,
        );
        let h = h.round() as i64;
        for line in lines {
            let _ = writeln!(
                out,
                "^FO{DOTS_MARGIN},56^AJN,{h},{h}^FH^FD{}^FS",
                zpl_escape(&line)
            );
        }
        let _ = writeln!(
            out,
            "^FO{x},112^BY{module}^BCN,{DOTS_BAR_HEIGHT},N,N,N,N^FH^FD{field}^FS"
        );
        let _ = writeln!(
            out,
            "^FO0,{}^A0N,30,26^FB{DOTS_WIDTH},1,0,C^FH^FD{}^FS",
            112 + DOTS_BAR_HEIGHT + 16,
            zpl_escape(&text)
        );
        let _ = writeln!(
            out,
            "^FO{DOTS_MARGIN},{}^A0N,20,18^FDkentai KTCMD^FS",
            DOTS_HEIGHT - 40
        );
        let _ = writeln!(out, "^XZ");
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::packaging::ChecklistItem;
    use crate::print::gs1_128::modules_from_svg_rects;
    use crate::print::readers::decode_bars;

    fn rows(entries: &[Entry]) -> Vec<Command> {
        entries
            .iter()
            .filter_map(|e| match e {
                Entry::Row { command, .. } => Some(*command),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_command_is_on_the_sheet_once_in_order() {
        let all: Vec<Command> = pages().iter().flat_map(|p| rows(p)).collect();
        assert_eq!(all, Command::all());
        assert!(!all.contains(&Command::Tick(ChecklistItem::SecondaryDryIce)));
        assert_eq!(page_count(), 3);
    }

    #[test]
    fn every_svg_symbol_scans_back_as_plain_code_128_of_its_command() {
        let mut seen = 0;
        for number in 1..=page_count() {
            let svg = svg(number).unwrap();
            for command in rows(&page(number).unwrap()) {
                let id = svg_id(command);
                let modules = modules_from_svg_rects(&svg, &id).unwrap();
                assert_eq!(
                    decode_bars(&modules),
                    Some(("]C0".to_string(), command.barcode_text())),
                    "{id}"
                );
                seen += 1;
            }
        }
        assert_eq!(seen, Command::all().len());
    }

    #[test]
    fn bars_are_at_least_04_mm_a_module_and_12_mm_tall_with_quiet_zones_on_the_page() {
        let svg = svg(1).unwrap();
        assert!(svg.contains(r#"width="210mm" height="297mm" viewBox="0 0 210 297""#));
        for piece in svg.split(r#"<g id="cmd-"#).skip(1) {
            let group = &piece[..piece.find("</g>").unwrap()];
            assert!(group.contains(r#"data-module="0.4""#));
            let mut min_x = f64::MAX;
            let mut max_x: f64 = 0.0;
            for rect in group.split("<rect").skip(1) {
                let get = |name: &str| -> f64 {
                    let key = format!(" {name}=\"");
                    let at = rect.find(&key).unwrap() + key.len();
                    rect[at..at + rect[at..].find('"').unwrap()]
                        .parse()
                        .unwrap()
                };
                assert_eq!(get("height"), BAR_HEIGHT_MM);
                min_x = min_x.min(get("x"));
                max_x = max_x.max(get("x") + get("width"));
            }
            assert!(min_x >= 10.0 * MODULE_MM, "{min_x}");
            assert!(max_x <= PAGE_WIDTH - 10.0 * MODULE_MM, "{max_x}");
        }
    }

    #[test]
    fn rows_and_headings_stay_inside_the_page() {
        for entries in pages() {
            let mut last_bottom = 0.0;
            for entry in &entries {
                let (top, height) = match entry {
                    Entry::Heading { top, .. } => (*top, HEADING_HEIGHT),
                    Entry::Row { top, .. } => (*top, ROW_HEIGHT),
                };
                assert!(top >= last_bottom - 1e-9);
                assert!(top + height <= CONTENT_BOTTOM + 1e-9);
                last_bottom = top + height;
            }
            assert!(matches!(entries.last(), Some(Entry::Row { .. })));
        }
    }

    #[test]
    fn the_svg_groups_commands_under_japanese_headings_with_both_labels() {
        let all: String = (1..=page_count()).map(|n| svg(n).unwrap()).collect();
        for heading in [
            "一次容器",
            "二次容器",
            "三次容器",
            "オーバーパック",
            "表示・輸送",
            "操作",
            "結果入力",
        ] {
            assert!(all.contains(heading), "{heading}");
        }
        for text in [
            "吸収材を入れた",
            "KTCMD:tick:secondary.absorbent",
            "発送",
            "KTCMD:dispatch",
            "新しい梱包を開始",
            "陽性",
            "陰性",
            "判定保留",
            "無効",
            "KTCMD:result:negative",
            "ページ 3 / 3",
        ] {
            assert!(all.contains(text), "{text}");
        }
        assert!(matches!(
            svg(0),
            Err(PrintError::NoSuchPage { page: 0, pages: 3 })
        ));
        assert!(svg(4).is_err());
    }

    #[test]
    fn every_png_symbol_scans_back_at_300_and_600_dpi() {
        for dpi in [300, 600] {
            for number in 1..=page_count() {
                let bytes = png(number, dpi).unwrap();
                let (image, found) = Gray::from_png(&bytes).unwrap();
                assert_eq!(found, Some(dpi));
                assert_eq!(image.width, px(PAGE_WIDTH, dpi));
                for b in bar_boxes(number, dpi).unwrap() {
                    // the quiet zones are white
                    let left = image.crop(b.x, b.y, QUIET_ZONE_MODULES * 4, b.height);
                    assert!(left.pixels.iter().all(|p| *p == 255));
                    let crop = image.crop(b.x, b.y, b.width, b.height);
                    assert_eq!(
                        crop.scan_code128(),
                        Some(("]C0".to_string(), b.command.barcode_text())),
                        "{dpi} dpi page {number}"
                    );
                    let module_mm = (b.width as f64
                        / (code128_modules(&b.command.barcode_text()).unwrap().len()
                            + 2 * QUIET_ZONE_MODULES) as f64)
                        / canvas::per_mm(dpi);
                    assert!(module_mm >= MODULE_MM, "{module_mm}");
                    assert!(b.height as f64 / canvas::per_mm(dpi) >= BAR_HEIGHT_MM);
                }
            }
        }
    }

    #[test]
    fn resolutions_that_cannot_keep_04_mm_modules_on_a4_are_refused() {
        for dpi in [100, 150, 200, 203, 1200] {
            assert!(matches!(png(1, dpi), Err(PrintError::Dpi(_))), "{dpi}");
        }
        for dpi in [254, 300, 360, 400, 600] {
            assert!(bar_boxes(1, dpi).is_ok(), "{dpi}");
        }
    }

    #[test]
    fn the_zpl_is_one_label_per_command_with_the_code_in_the_bars() {
        let zpl = zpl().unwrap();
        let n = Command::all().len();
        assert_eq!(zpl.matches("^XA").count(), n);
        assert_eq!(zpl.matches("^XZ").count(), n);
        assert_eq!(zpl.matches("^PW812\n^LL406").count(), n);
        for command in Command::all() {
            let text = command.barcode_text();
            let (field, modules) = zpl_code128(&text).unwrap();
            let module = zpl_module(modules);
            assert!(
                zpl.contains(&format!("^BY{module}^BCN,120,N,N,N,N^FH^FD{field}^FS")),
                "{text}"
            );
            assert!(zpl.contains(&zpl_escape(&label_ja(command))), "{text}");
            // bars and quiet zones inside the label
            assert!((modules + 20) as i64 * module <= DOTS_WIDTH, "{text}");
        }
        // the short codes get big modules, the long ones what 4 in allows
        assert_eq!(zpl_module(zpl_code128("KTCMD:cancel").unwrap().1), 4);
        assert_eq!(
            zpl_module(
                zpl_code128("KTCMD:tick:secondary.leakproof_sealed")
                    .unwrap()
                    .1
            ),
            1
        );
        assert!(zpl.contains("_5F"), "underscores in codes are hex escaped");
        assert!(!zpl.contains("~"));
    }

    #[test]
    fn the_result_codes_have_a_section_of_their_own_with_the_desks_words() {
        use crate::domain::results::TestResult;
        let cases = [
            (TestResult::Positive, "陽性", "cmd-result-positive"),
            (TestResult::Negative, "陰性", "cmd-result-negative"),
            (
                TestResult::Inconclusive,
                "判定保留（再検査）",
                "cmd-result-inconclusive",
            ),
            (
                TestResult::Invalid,
                "無効（判定不能）",
                "cmd-result-invalid",
            ),
        ];
        for (result, label, id) in cases {
            let c = Command::Result(result);
            assert_eq!(label_ja(c), label);
            assert_eq!(Group::of(c), Group::Results);
            assert_eq!(svg_id(c), id);
        }
        // All four on one page, under one heading.
        let last = pages().pop().unwrap();
        let results: Vec<Command> = rows(&last)
            .into_iter()
            .filter(|c| matches!(c, Command::Result(_)))
            .collect();
        assert_eq!(results, TestResult::ALL.map(Command::Result));
        assert!(last.iter().any(|e| matches!(
            e,
            Entry::Heading {
                group: Group::Results,
                continued: false,
                ..
            }
        )));
    }

    #[test]
    fn untick_commands_have_a_japanese_label_too() {
        let c = Command::Untick(ChecklistItem::PrimaryWiped);
        assert_eq!(label_ja(c), "チェックを外す: 容器の外側を消毒液で拭いた");
        assert_eq!(Group::of(c), Group::Primary);
        assert_eq!(svg_id(c), "cmd-untick-primary.wiped");
    }
}
