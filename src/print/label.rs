//! The outer package label: SVG for office printers, ZPL for Zebra label
//! printers.
//!
//! A 100 × 150 mm (4 × 6 in) label carries what the carrier and the
//! receiving lab need at a glance (IATA PI 650 / PI 954 marks): consignee,
//! shipper, the responsible person with a phone, the UN3373 mark with its
//! proper shipping name, the UN1845 dry-ice mark when the overpack holds dry
//! ice, and the SSCC as a GS1-128 barcode so the lab receives the package
//! with one scan. Both renderings use the same layout and the same text
//! fitting: text is wrapped into the lines its block has, set smaller when
//! it still does not fit, and only at the smallest size cut with "…", so a
//! long name never runs over a mark or the barcode.
//!
//! The full-size (≥ 50 mm) UN3373 mark is affixed separately (checklist
//! item `marks.un3373`); the diamond here is as large as the label allows.

use super::gs1_128::{self, num, QUIET_ZONE_MODULES};
use super::text::{clean, svg_open, text_units, units, xml_escape, zpl_escape, SVG_UNIT};
use super::PackageLabel;
use crate::domain::packaging::Party;
use std::f64::consts::SQRT_2;
use std::fmt::Write as _;

pub use crate::domain::labels::package_label::*;

/// Label size in mm.
const WIDTH: f64 = 100.0;
const HEIGHT: f64 = 150.0;
const MARGIN: f64 = 3.0;
/// GS1 logistics labels ask for X ≥ 0.495 mm.
const MODULE_MM: f64 = 0.5;

/// Net dry ice as people write it: `2.5`, `3`, `0.25` (no `3.0`, no float
/// noise such as `0.30000000000000004`).
pub fn format_kg(kg: f64) -> String {
    num(kg)
}

/// Greedy wrap into lines of at most `max_units`, preferring a break after a
/// space when the line is Latin. `None` when more than `max_lines` lines
/// would be needed.
fn wrap(text: &str, max_units: usize, max_lines: usize) -> Option<Vec<String>> {
    let lines = super::text::wrap(text, max_units);
    (lines.len() <= max_lines).then_some(lines)
}

/// Cuts `text` to `max_units`, ending with "…".
fn truncate(text: &str, max_units: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        if used + units(c) + units('…') > max_units {
            break;
        }
        out.push(c);
        used += units(c);
    }
    out.push('…');
    out
}

/// The largest of `sizes` (largest first) at which `text` fits `width` in at
/// most `max_lines` lines; at the smallest size, the lines that fit with the
/// last one cut.
fn fit(text: &str, width: f64, max_lines: usize, sizes: &[f64], unit: f64) -> (f64, Vec<String>) {
    let text = clean(text);
    let max_units = |size: f64| ((width / (unit * size)).floor() as usize).max(2);
    for &size in sizes {
        if let Some(lines) = wrap(&text, max_units(size), max_lines) {
            return (size, lines);
        }
    }
    let size = sizes.last().copied().unwrap_or(3.0);
    let per_line = max_units(size);
    let mut lines = Vec::new();
    let mut rest: String = text;
    while lines.len() + 1 < max_lines {
        let Some(wrapped) = wrap(&rest, per_line, usize::MAX) else {
            break;
        };
        let Some(first) = wrapped.into_iter().next() else {
            break;
        };
        rest = rest[first.len()..].trim_start().to_string();
        lines.push(first);
    }
    lines.push(truncate(&rest, per_line));
    (size, lines)
}

const BOLD: &str = r#" font-weight="bold""#;
const MIDDLE: &str = r#" text-anchor="middle""#;
const END: &str = r#" text-anchor="end""#;

/// One `<text>` element with its baseline at (x, y); `attrs` are further
/// attributes, each with its leading space.
fn svg_text(out: &mut String, x: f64, y: f64, size: f64, attrs: &[&str], content: &str) {
    let _ = write!(
        out,
        r#"<text x="{}" y="{}" font-size="{}"{}>{}</text>"#,
        num(x),
        num(y),
        num(size),
        attrs.concat(),
        xml_escape(content),
    );
}

fn svg_rule(out: &mut String, y: f64) {
    let _ = write!(
        out,
        r##"<path d="M{} {}H{}" stroke="#000" stroke-width="0.3"/>"##,
        num(MARGIN),
        num(y),
        num(WIDTH - MARGIN)
    );
}

/// Vertical positions of one party block (baselines, mm).
struct PartyLayout {
    heading: f64,
    name: f64,
    name_sizes: &'static [f64],
    address: f64,
    address_sizes: &'static [f64],
    line_pitch: f64,
    phone: f64,
}

const CONSIGNEE_LAYOUT: PartyLayout = PartyLayout {
    heading: 6.0,
    name: 11.5,
    name_sizes: &[4.8, 4.2, 3.6, 3.2],
    address: 16.3,
    address_sizes: &[3.3, 3.0, 2.7],
    line_pitch: 4.0,
    phone: 24.4,
};

const SHIPPER_LAYOUT: PartyLayout = PartyLayout {
    heading: 30.5,
    name: 35.0,
    name_sizes: &[4.0, 3.5, 3.0],
    address: 39.0,
    address_sizes: &[3.0, 2.7],
    line_pitch: 3.6,
    phone: 46.3,
};

fn svg_party(out: &mut String, id: &str, heading: &str, party: &Party, at: &PartyLayout) {
    let width = WIDTH - 2.0 * MARGIN;
    let _ = write!(out, r#"<g id="{id}">"#);
    svg_text(out, MARGIN, at.heading, 2.8, &[BOLD], heading);
    let (size, lines) = fit(&party.name, width, 1, at.name_sizes, SVG_UNIT);
    for line in lines {
        svg_text(
            out,
            MARGIN,
            at.name,
            size,
            &[BOLD, r#" data-field="name""#],
            &line,
        );
    }
    let (size, lines) = fit(&party.address, width, 2, at.address_sizes, SVG_UNIT);
    for (i, line) in lines.iter().enumerate() {
        let y = at.address + i as f64 * at.line_pitch;
        svg_text(out, MARGIN, y, size, &[r#" data-field="address""#], line);
    }
    let phone_size = at.address_sizes[0];
    let (size, lines) = fit(
        &format!("TEL {}", party.phone),
        width,
        1,
        &[phone_size, 2.6],
        SVG_UNIT,
    );
    for line in lines {
        svg_text(
            out,
            MARGIN,
            at.phone,
            size,
            &[r#" data-field="phone""#],
            &line,
        );
    }
    out.push_str("</g>");
}

/// The corners of a diamond (square standing on a corner) around (cx, cy).
fn diamond_points(cx: f64, cy: f64, half: f64) -> String {
    format!(
        "{},{} {},{} {},{} {},{}",
        num(cx),
        num(cy - half),
        num(cx + half),
        num(cy),
        num(cx),
        num(cy + half),
        num(cx - half),
        num(cy)
    )
}

/// The class 9 hazard label: seven vertical stripes in the top half, "9"
/// underlined in the bottom corner.
fn svg_class9(out: &mut String, cx: f64, cy: f64, half: f64) {
    let _ = write!(
        out,
        r##"<polygon points="{}" fill="#fff" stroke="#000" stroke-width="0.5"/>"##,
        diamond_points(cx, cy, half)
    );
    let inner = half * 0.9;
    let _ = write!(
        out,
        r##"<polygon points="{}" fill="none" stroke="#000" stroke-width="0.3"/>"##,
        diamond_points(cx, cy, inner)
    );
    // 13 equal slots across the inner diamond, black on the even ones, each
    // cut by the diamond's upper edges.
    let slot = 2.0 * inner / 13.0;
    let top = |x: f64| cy - (inner - (x - cx).abs());
    for k in (0..13).step_by(2) {
        let x0 = cx - inner + k as f64 * slot;
        let x1 = x0 + slot;
        let mut points = vec![(x0, cy), (x0, top(x0))];
        if x0 < cx && cx < x1 {
            points.push((cx, cy - inner));
        }
        points.push((x1, top(x1)));
        points.push((x1, cy));
        let points: Vec<String> = points
            .into_iter()
            .map(|(x, y)| format!("{},{}", num(x), num(y)))
            .collect();
        let _ = write!(out, r#"<polygon points="{}"/>"#, points.join(" "));
    }
    let size = half * 0.42;
    let baseline = cy + half * 0.68;
    svg_text(out, cx, baseline, size, &[BOLD, MIDDLE], "9");
    let _ = write!(
        out,
        r##"<path d="M{} {}H{}" stroke="#000" stroke-width="{}"/>"##,
        num(cx - size * 0.3),
        num(baseline + size * 0.15),
        num(cx + size * 0.3),
        num(size * 0.08)
    );
}

/// A complete standalone SVG of the package label, 100 × 150 mm, user units
/// in mm. Ids tests and scripts can rely on: `consignee`, `shipper`,
/// `responsible`, `un3373-mark`, `dry-ice-mark` (only with dry ice),
/// `sscc-barcode` (bars; `data-module` is the module width in mm) and
/// `sscc-text`, or `sscc-error` when the SSCC cannot be encoded.
pub fn svg(label: &PackageLabel) -> String {
    let mut out = svg_open(WIDTH, HEIGHT, &format!("UN3373 SSCC {}", label.sscc));

    svg_party(
        &mut out,
        "consignee",
        LABEL_CONSIGNEE,
        &label.consignee,
        &CONSIGNEE_LAYOUT,
    );
    svg_rule(&mut out, 26.5);
    svg_party(
        &mut out,
        "shipper",
        LABEL_SHIPPER,
        &label.shipper,
        &SHIPPER_LAYOUT,
    );
    svg_rule(&mut out, 48.3);
    svg_responsible(&mut out, label);
    svg_rule(&mut out, 54.5);
    svg_marks(&mut out, label);
    svg_barcode(&mut out, label);

    out.push_str("</svg>\n");
    out
}

fn svg_responsible(out: &mut String, label: &PackageLabel) {
    let y = 52.3;
    let size = 3.4;
    out.push_str(r#"<g id="responsible">"#);
    svg_text(out, MARGIN, y, 2.8, &[BOLD], LABEL_RESPONSIBLE);
    let (phone_size, phone) = fit(
        &format!("TEL {}", label.responsible_phone),
        40.0,
        1,
        &[size, 3.0, 2.6],
        SVG_UNIT,
    );
    let phone_width =
        phone.iter().map(|l| text_units(l)).max().unwrap_or(0) as f64 * SVG_UNIT * phone_size;
    for line in phone {
        svg_text(
            out,
            WIDTH - MARGIN,
            y,
            phone_size,
            &[END, r#" data-field="phone""#],
            &line,
        );
    }
    let name_x = MARGIN + 11.0;
    let name_width = WIDTH - MARGIN - phone_width - 3.0 - name_x;
    let (name_size, name) = fit(
        &label.responsible_person,
        name_width,
        1,
        &[size, 3.0, 2.6],
        SVG_UNIT,
    );
    for line in name {
        svg_text(
            out,
            name_x,
            y,
            name_size,
            &[BOLD, r#" data-field="name""#],
            &line,
        );
    }
    out.push_str("</g>");
}

/// The UN3373 diamond (left, or centred without dry ice) with its shipping
/// name beneath, and the dry-ice class 9 label with UN1845 on the right.
fn svg_marks(out: &mut String, label: &PackageLabel) {
    let (top, bottom) = (56.0, 108.0);
    let outer_half = (bottom - top) / 2.0;
    let cy = top + outer_half;
    let cx = if label.dry_ice_kg.is_some() {
        MARGIN + outer_half
    } else {
        WIDTH / 2.0
    };
    // PI 650 wants a line of at least 2 mm at 50 mm; scaled to this size.
    let stroke = 1.6;
    let side = (outer_half * 2.0 - stroke * SQRT_2) / SQRT_2;
    out.push_str(r#"<g id="un3373-mark">"#);
    let _ = write!(
        out,
        r##"<rect x="{}" y="{}" width="{s}" height="{s}" transform="rotate(45 {} {})" fill="#fff" stroke="#000" stroke-width="{}"/>"##,
        num(cx - side / 2.0),
        num(cy - side / 2.0),
        num(cx),
        num(cy),
        num(stroke),
        s = num(side),
    );
    // 8.5 mm type has capitals about 6 mm high, the PI 650 minimum.
    svg_text(out, cx, cy + 3.0, 8.5, &[BOLD, MIDDLE], "UN3373");
    svg_text(out, WIDTH / 2.0, 113.0, 4.6, &[BOLD, MIDDLE], UN3373_NAME);
    out.push_str("</g>");

    if let Some(kg) = label.dry_ice_kg {
        let column_x = 2.0 * MARGIN + 2.0 * outer_half;
        let column_width = WIDTH - MARGIN - column_x;
        let ccx = column_x + column_width / 2.0;
        let half = 15.0;
        out.push_str(r#"<g id="dry-ice-mark">"#);
        svg_class9(out, ccx, top + half + 0.5, half);
        svg_text(out, ccx, 92.0, 4.6, &[BOLD, MIDDLE], "UN1845");
        let (size, lines) = fit(LABEL_DRY_ICE, column_width, 1, &[3.2, 2.9, 2.6], SVG_UNIT);
        for line in lines {
            svg_text(out, ccx, 97.5, size, &[MIDDLE], &line);
        }
        let net = format!("Net {} kg", format_kg(kg));
        svg_text(
            out,
            ccx,
            103.5,
            4.2,
            &[BOLD, MIDDLE, r#" data-field="net""#],
            &net,
        );
        out.push_str("</g>");
    }
}

fn svg_barcode(out: &mut String, label: &PackageLabel) {
    svg_text(out, MARGIN, 117.0, 2.6, &[], "SSCC");
    let quantity = format!("{LABEL_QUANTITY}: {}", label.quantity);
    svg_text(
        out,
        WIDTH - MARGIN,
        117.0,
        2.6,
        &[END, r#" id="quantity""#],
        &quantity,
    );
    match gs1_128::sscc_modules(&label.sscc) {
        Ok(modules) => {
            let symbol_width = modules.len() as f64 * MODULE_MM;
            let x = (WIDTH - symbol_width) / 2.0;
            debug_assert!(x >= QUIET_ZONE_MODULES as f64 * MODULE_MM);
            let _ = write!(
                out,
                r#"<g id="sscc-barcode" data-module="{}" data-sscc="{}">{}</g>"#,
                num(MODULE_MM),
                xml_escape(&label.sscc),
                gs1_128::svg_bars(&modules, x, 118.5, MODULE_MM, 23.0)
            );
            let hri = gs1_128::human_readable(&label.sscc);
            svg_text(
                out,
                WIDTH / 2.0,
                146.2,
                3.6,
                &[MIDDLE, r#" id="sscc-text""#],
                &hri,
            );
        }
        Err(_) => {
            // Still print the rest of the label: the package can be handed
            // over by hand, and the message says why the bars are missing.
            let text = format!("{LABEL_BAD_SSCC}: {}", label.sscc);
            let (size, lines) = fit(&text, WIDTH - 2.0 * MARGIN, 1, &[3.6, 3.0, 2.6], SVG_UNIT);
            for line in lines {
                svg_text(
                    out,
                    WIDTH / 2.0,
                    132.0,
                    size,
                    &[BOLD, MIDDLE, r#" id="sscc-error""#],
                    &line,
                );
            }
        }
    }
}

// ---- ZPL -----------------------------------------------------------------

/// 203 dpi: 8 dots per mm; a 4 × 6 in label is 812 × 1218 dots.
const DOTS_WIDTH: i64 = 812;
const DOTS_HEIGHT: i64 = 1218;
const DOTS_MARGIN: i64 = 24;

/// The Japanese TrueType font Zebra ships for its Asian printers (Andale
/// Mono WT J); printers without it need it downloaded once to E:. It is a
/// monospace font: half-width characters take half the cell height.
pub const ZPL_CJK_FONT: &str = "E:ANMDJ.TTF";
const ZPL_UNIT: f64 = 0.52;

/// A text field in the Japanese font (alias `J`), top-left at (x, y), text
/// `h` dots high.
fn zpl_text(out: &mut String, x: i64, y: i64, h: i64, text: &str) {
    let _ = writeln!(out, "^FO{x},{y}^AJN,{h},{h}^FH^FD{}^FS", zpl_escape(text));
}

/// A font for `zpl_centred`: alias, height and width in dots.
#[derive(Clone, Copy)]
struct ZplFont(char, i64, i64);

/// A text field centred across `width` dots from its top-left corner.
fn zpl_centred(out: &mut String, (x, y): (i64, i64), width: i64, font: ZplFont, text: &str) {
    let ZplFont(alias, h, w) = font;
    let _ = writeln!(
        out,
        "^FO{x},{y}^A{alias}N,{h},{w}^FB{width},1,0,C^FH^FD{}^FS",
        zpl_escape(text)
    );
}

/// Fits text into `width` dots in the Japanese font; answers the height in
/// dots and the lines.
fn zpl_fit(text: &str, width: i64, max_lines: usize, heights: &[f64]) -> (i64, Vec<String>) {
    let (h, lines) = fit(text, width as f64, max_lines, heights, ZPL_UNIT);
    (h.round() as i64, lines)
}

fn zpl_rule(out: &mut String, y: i64) {
    let _ = writeln!(
        out,
        "^FO{DOTS_MARGIN},{y}^GB{},2,2^FS",
        DOTS_WIDTH - 2 * DOTS_MARGIN
    );
}

struct ZplPartyLayout {
    heading: i64,
    name: i64,
    name_heights: &'static [f64],
    address: i64,
    address_heights: &'static [f64],
    line_pitch: i64,
    phone: i64,
}

fn zpl_party(out: &mut String, heading: &str, party: &Party, at: &ZplPartyLayout) {
    let width = DOTS_WIDTH - 2 * DOTS_MARGIN;
    zpl_text(out, DOTS_MARGIN, at.heading, 22, heading);
    let (h, lines) = zpl_fit(&party.name, width, 1, at.name_heights);
    for line in lines {
        zpl_text(out, DOTS_MARGIN, at.name, h, &line);
    }
    let (h, lines) = zpl_fit(&party.address, width, 2, at.address_heights);
    for (i, line) in lines.iter().enumerate() {
        zpl_text(
            out,
            DOTS_MARGIN,
            at.address + i as i64 * at.line_pitch,
            h,
            line,
        );
    }
    let (h, lines) = zpl_fit(
        &format!("TEL {}", party.phone),
        width,
        1,
        &[at.address_heights[0], 20.0],
    );
    for line in lines {
        zpl_text(out, DOTS_MARGIN, at.phone, h, &line);
    }
}

/// Draws a diamond of half-diagonal `half` around (cx, cy) with four `^GD`
/// diagonal lines `thickness` dots wide.
fn zpl_diamond(out: &mut String, cx: i64, cy: i64, half: i64, thickness: i64) {
    let edges = [
        (cx - half, cy - half, 'R'),
        (cx, cy - half, 'L'),
        (cx - half, cy, 'L'),
        (cx, cy, 'R'),
    ];
    for (x, y, lean) in edges {
        let _ = writeln!(out, "^FO{x},{y}^GD{half},{half},{thickness},B,{lean}^FS");
    }
}

/// A ZPL II label for a 203 dpi Zebra printer with 4 × 6 in stock: UTF-8
/// (`^CI28`), Japanese text in `ZPL_CJK_FONT` (alias `J`), and the SSCC as
/// GS1-128 (`^BC` in no-mode with `>;` start C and `>8` FNC1).
pub fn zpl(label: &PackageLabel) -> String {
    let mut out = String::with_capacity(4096);
    let _ = writeln!(out, "^XA");
    let _ = writeln!(out, "^CI28");
    let _ = writeln!(out, "^PW{DOTS_WIDTH}");
    let _ = writeln!(out, "^LL{DOTS_HEIGHT}");
    let _ = writeln!(out, "^LH0,0");
    let _ = writeln!(out, "^CWJ,{ZPL_CJK_FONT}");

    zpl_party(
        &mut out,
        LABEL_CONSIGNEE,
        &label.consignee,
        &ZplPartyLayout {
            heading: 24,
            name: 52,
            name_heights: &[40.0, 34.0, 28.0],
            address: 100,
            address_heights: &[28.0, 24.0, 22.0],
            line_pitch: 32,
            phone: 166,
        },
    );
    zpl_rule(&mut out, 204);
    zpl_party(
        &mut out,
        LABEL_SHIPPER,
        &label.shipper,
        &ZplPartyLayout {
            heading: 214,
            name: 240,
            name_heights: &[32.0, 28.0, 24.0],
            address: 280,
            address_heights: &[24.0, 22.0, 20.0],
            line_pitch: 28,
            phone: 340,
        },
    );
    zpl_rule(&mut out, 374);

    let width = DOTS_WIDTH - 2 * DOTS_MARGIN;
    let responsible = format!("{LABEL_RESPONSIBLE_ZPL}: {}", label.responsible_person);
    let (h, lines) = zpl_fit(&responsible, width, 1, &[28.0, 24.0, 20.0]);
    for line in lines {
        zpl_text(&mut out, DOTS_MARGIN, 384, h, &line);
    }
    let (h, lines) = zpl_fit(
        &format!("TEL {}", label.responsible_phone),
        width,
        1,
        &[28.0, 24.0],
    );
    for line in lines {
        zpl_text(&mut out, DOTS_MARGIN, 416, h, &line);
    }
    zpl_rule(&mut out, 452);

    // Marks: the UN3373 diamond, centred unless the class 9 label sits to
    // its right.
    let half = 205;
    let cy = 464 + half;
    let cx = if label.dry_ice_kg.is_some() {
        DOTS_MARGIN + half
    } else {
        DOTS_WIDTH / 2
    };
    zpl_diamond(&mut out, cx, cy, half, 14);
    zpl_centred(
        &mut out,
        (cx - 180, cy - 34),
        360,
        ZplFont('0', 70, 64),
        "UN3373",
    );
    zpl_centred(
        &mut out,
        (0, 884),
        DOTS_WIDTH,
        ZplFont('0', 38, 34),
        UN3373_NAME,
    );

    if let Some(kg) = label.dry_ice_kg {
        let column_x = 2 * DOTS_MARGIN + 2 * half;
        let ccx = (column_x + DOTS_WIDTH - DOTS_MARGIN) / 2;
        let half9 = 120;
        let cy9 = 470 + half9;
        zpl_diamond(&mut out, ccx, cy9, half9, 4);
        // Seven stripes over the top half, each as tall as the diamond is at
        // its outer edge so none pokes through the outline.
        let inner = half9 - 14;
        let slot = 2 * inner / 13;
        for k in (0..13).step_by(2) {
            let x0 = ccx - 13 * slot / 2 + k * slot;
            let outer_edge = (x0 - ccx).abs().max((x0 + slot - ccx).abs());
            let height = inner - outer_edge;
            if height > 0 {
                // ^GB grows a box to its line thickness: keep it no
                // thicker than the stripe is tall.
                let thickness = slot.min(height);
                let _ = writeln!(
                    out,
                    "^FO{x0},{}^GB{slot},{height},{thickness}^FS",
                    cy9 - height
                );
            }
        }
        zpl_centred(
            &mut out,
            (ccx - 40, cy9 + 25),
            80,
            ZplFont('0', 60, 50),
            "9",
        );
        let _ = writeln!(out, "^FO{},{}^GB30,4,4^FS", ccx - 15, cy9 + 88);
        zpl_centred(
            &mut out,
            (column_x, cy9 + half9 + 16),
            DOTS_WIDTH - DOTS_MARGIN - column_x,
            ZplFont('0', 40, 36),
            "UN1845",
        );
        let net = format!("UN1845 Dry Ice Net {} kg", format_kg(kg));
        zpl_centred(&mut out, (0, 930), DOTS_WIDTH, ZplFont('0', 32, 28), &net);
        zpl_centred(
            &mut out,
            (column_x, cy9 + half9 + 64),
            DOTS_WIDTH - DOTS_MARGIN - column_x,
            ZplFont('J', 28, 28),
            "ドライアイス",
        );
    }

    let _ = writeln!(out, "^FO{DOTS_MARGIN},970^A0N,22,20^FDSSCC^FS");
    let quantity = format!("{LABEL_QUANTITY}: {}", label.quantity);
    let _ = writeln!(
        out,
        "^FO{},970^AJN,22,22^FB{},1,0,R^FH^FD{}^FS",
        DOTS_WIDTH / 2,
        DOTS_WIDTH / 2 - DOTS_MARGIN,
        zpl_escape(&quantity)
    );
    match gs1_128::sscc_modules(&label.sscc) {
        Ok(modules) => {
            // 4 dots = 0.5 mm modules, as in the SVG; centred with room for
            // the quiet zones.
            let module = 4;
            let x = (DOTS_WIDTH - modules.len() as i64 * module) / 2;
            let _ = writeln!(
                out,
                "^FO{x},1000^BY{module}^BCN,160,N,N,N,N^FD>;>8{}{}^FS",
                gs1_128::AI_SSCC,
                label.sscc
            );
            zpl_centred(
                &mut out,
                (0, 1172),
                DOTS_WIDTH,
                ZplFont('0', 34, 30),
                &gs1_128::human_readable(&label.sscc),
            );
        }
        Err(_) => {
            let text = format!("{LABEL_BAD_SSCC}: {}", label.sscc);
            let (h, lines) = zpl_fit(&text, DOTS_WIDTH - 2 * DOTS_MARGIN, 1, &[30.0, 24.0, 20.0]);
            for line in lines {
                zpl_text(&mut out, DOTS_MARGIN, 1060, h, &line);
            }
        }
    }
    let _ = writeln!(out, "^XZ");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::print::gs1_128::{decode_modules, modules_from_svg_rects};

    const SSCC: &str = "106141411234567897";

    fn label(dry_ice_kg: Option<f64>) -> PackageLabel {
        let (shipper, consignee) = crate::print::sample_parties();
        PackageLabel {
            sscc: SSCC.into(),
            shipper,
            consignee,
            responsible_person: "山田 花子".into(),
            responsible_phone: "090-1234-5678".into(),
            dry_ice_kg,
            quantity: 2,
        }
    }

    #[test]
    fn the_label_barcode_decodes_back_to_the_sscc() {
        let svg = svg(&label(None));
        let modules = modules_from_svg_rects(&svg, "sscc-barcode").unwrap();
        assert_eq!(
            decode_modules(&modules),
            Some(("]C1".to_string(), format!("00{SSCC}")))
        );
        assert_eq!(modules, gs1_128::sscc_modules(SSCC).unwrap());
    }

    #[test]
    fn the_svg_is_a_100_by_150_mm_page_in_mm_units() {
        let svg = svg(&label(None));
        assert!(svg.starts_with("<?xml"));
        assert!(svg.contains(r#"width="100mm" height="150mm" viewBox="0 0 100 150""#));
        assert!(svg.contains("Noto Sans CJK JP"));
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn the_svg_shows_every_party_the_marks_and_the_human_readable_sscc() {
        let svg = svg(&label(None));
        for text in [
            "受取人",
            "差出人",
            "責任者",
            "さくらクリニック",
            "東京都新宿区西新宿2-8-1",
            "TEL 03-1111-2222",
            "東京都健康安全研究センター",
            "東京都新宿区百人町3-24-1",
            "TEL 03-3363-3231",
            "山田 花子",
            "TEL 090-1234-5678",
            ">UN3373<",
            UN3373_NAME,
            "(00) 106141411234567897",
            r#"id="un3373-mark""#,
            "rotate(45",
        ] {
            assert!(svg.contains(text), "{text} missing");
        }
        assert!(!svg.contains("UN1845"));
        assert!(!svg.contains("dry-ice-mark"));
    }

    #[test]
    fn dry_ice_adds_the_un1845_mark_with_the_net_weight() {
        let svg_text = svg(&label(Some(2.5)));
        for text in ["dry-ice-mark", "UN1845", LABEL_DRY_ICE, "Net 2.5 kg", ">9<"] {
            assert!(svg_text.contains(text), "{text} missing");
        }
        assert!(svg(&label(Some(3.0))).contains("Net 3 kg"));
        assert_eq!(format_kg(0.1 + 0.2), "0.3");
    }

    #[test]
    fn hostile_names_are_escaped_in_the_svg() {
        let mut hostile = label(None);
        hostile.consignee.name = "<script>alert('x')</script> & \"Co\"".into();
        hostile.responsible_person = "A\u{0}B".into();
        let svg = svg(&hostile);
        assert!(!svg.contains("<script>"));
        assert!(
            svg.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;Co&quot;")
        );
        assert!(!svg.contains('\u{0}'));
    }

    #[test]
    fn long_addresses_are_wrapped_or_shrunk_never_lost_silently() {
        let mut long = label(None);
        long.consignee.address = "北海道札幌市中央区北一条西十二丁目 札幌市保健所 衛生研究所 ウイルス検査担当 第二検査室 受付窓口 気付".into();
        let svg = svg(&long);
        let lines = svg.matches(r#"data-field="address""#).count();
        assert_eq!(lines, 3, "two consignee lines and one shipper line");
        let (_, cut) = fit(&"長".repeat(200), 94.0, 2, &[3.3, 2.7], SVG_UNIT);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('…'));
    }

    #[test]
    fn an_unencodable_sscc_leaves_the_bars_out_and_says_why() {
        let mut bad = label(None);
        bad.sscc = "12345".into();
        let svg = svg(&bad);
        assert!(!svg.contains("sscc-barcode"));
        assert!(svg.contains("sscc-error"));
        let zpl = zpl(&bad);
        assert!(!zpl.contains("^BC"));
        assert!(zpl.contains(LABEL_BAD_SSCC));
    }

    #[test]
    fn the_zpl_is_one_utf8_label_with_a_gs1_128_sscc() {
        let zpl = zpl(&label(None));
        assert!(zpl.starts_with("^XA\n^CI28\n"));
        assert!(zpl.trim_end().ends_with("^XZ"));
        assert_eq!(zpl.matches("^XA").count(), 1);
        assert_eq!(zpl.matches("^XZ").count(), 1);
        assert!(zpl.contains("^BCN,160,N,N,N,N^FD>;>800106141411234567897^FS"));
        assert!(zpl.contains("^FD(00) 106141411234567897^FS"));
        assert!(zpl.contains("^FDUN3373^FS"));
        assert!(zpl.contains(UN3373_NAME));
        assert_eq!(zpl.matches("^GD").count(), 4);
        for text in [
            "受取人",
            "差出人",
            "東京都健康安全研究センター",
            "さくらクリニック",
            "山田 花子",
            "TEL 090-1234-5678",
        ] {
            assert!(zpl.contains(text), "{text} missing");
        }
        assert!(!zpl.contains("UN1845"));
    }

    #[test]
    fn the_zpl_prints_the_dry_ice_line_only_with_dry_ice() {
        let zpl = zpl(&label(Some(2.5)));
        assert!(zpl.contains("UN1845 Dry Ice Net 2.5 kg"));
        assert!(zpl.contains("ドライアイス"));
        assert_eq!(zpl.matches("^GD").count(), 8);
    }

    #[test]
    fn zpl_commands_in_names_are_hex_escaped() {
        let mut hostile = label(None);
        hostile.consignee.name = "Evil^XZ^XA~JR_x".into();
        let zpl = zpl(&hostile);
        assert_eq!(zpl.matches("^XZ").count(), 1);
        assert_eq!(zpl.matches("^XA").count(), 1);
        assert!(!zpl.contains("~JR"));
        assert!(zpl.contains("^FH^FDEvil_5EXZ_5EXA_7EJR_5Fx^FS"));
        // every field that carries text is decoded by ^FH
        for line in zpl
            .lines()
            .filter(|l| l.contains("^FD") && l.contains("_5"))
        {
            assert!(line.contains("^FH^FD"), "{line}");
        }
    }
}
