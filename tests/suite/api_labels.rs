//! Tube labels, location labels and the command-barcode sheet through the
//! HTTP API (README, barcodes): every symbol the server sends is scanned back with
//! rxing, from the SVG's rectangles and from the PNG's pixels: a plain tube
//! as `]d1` with its id, a GS1 tube (`(8018)…(8019)…`, `(8004)…`) as `]d2`
//! with its elements, the optional Code 128 and every command as `]C0`, a
//! GS1 location as `]C1` that a station reads back to the same location, a
//! plain one as `]C0`. Also: the ZPL's FNC1 convention, who may print
//! what, and the 400s for bad parameters.

use crate::common::*;
use kentai::barcode::classify::Command;
use kentai::domain::roles::Role;
use kentai::print::command_sheet;
use kentai::print::gs1_128::modules_from_svg_rects;
use kentai::print::matrix::{decode_bars, decode_matrix, matrix_from_svg_rects, Gray};
use serde_json::Value;

const GS: char = '\u{1d}';
const GSRN: &str = "049123450000000019";

/// Status, content type, the `x-page-count` header and the body's bytes.
async fn get_bytes(
    app: &TestApp,
    path: &str,
    token: &str,
) -> (u16, String, Option<String>, Vec<u8>) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let header = |name: &str| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    let content_type = header("content-type").unwrap_or_default();
    let pages = header("x-page-count");
    let body = res.bytes().await.expect("body").to_vec();
    (status, content_type, pages, body)
}

/// The path of a tube's label, the id percent-encoded for the path.
fn label_path(id: &str, query: &str) -> String {
    let mut encoded = String::new();
    for b in id.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("/api/v1/specimens/{encoded}/label{query}")
}

fn error_code(text: &str) -> String {
    let body: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    body["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// The `^FD` data of the first line holding `command`.
fn zpl_field<'a>(zpl: &'a str, command: &str) -> &'a str {
    let line = zpl
        .lines()
        .find(|l| l.contains(command))
        .unwrap_or_else(|| panic!("no {command} in {zpl}"));
    let start = line.find("^FD").expect("^FD") + 3;
    let end = line.rfind("^FS").expect("^FS");
    &line[start..end]
}

#[tokio::test]
async fn a_plain_tube_label_scans_back_to_its_id_in_svg_png_and_zpl() {
    let app = spawn_app().await;
    let id = "LBL-PLAIN-1";
    app.admin_registers(id, "saliva", 3).await;
    let reception = app.token(Role::Reception);

    let (status, content_type, svg) = app.get_text(&label_path(id, ""), &reception).await;
    assert_eq!(status, 200, "{svg}");
    assert!(content_type.starts_with("image/svg+xml"), "{content_type}");
    let matrix = matrix_from_svg_rects(&svg, "specimen-datamatrix").expect("datamatrix");
    assert_eq!(
        decode_matrix(&matrix),
        Some(("]d1".to_string(), id.to_string()))
    );
    for text in [
        "LBL-PLAIN-1",
        "患者ID P-LBL-PLAIN-1",
        "ヤマダ タロウ",
        "唾液",
        "テスト内科",
    ] {
        assert!(svg.contains(text), "{text} missing");
    }
    assert!(!svg.contains("specimen-code128"));

    let (status, content_type, _, png) =
        get_bytes(&app, &label_path(id, "?format=png&dpi=600"), &reception).await;
    assert_eq!(status, 200);
    assert_eq!(content_type, "image/png");
    let (image, dpi) = Gray::from_png(&png).expect("8-bit grey PNG");
    assert_eq!(dpi, Some(600));
    assert_eq!(
        image.scan_datamatrix(),
        Some(("]d1".to_string(), id.to_string()))
    );

    let (status, content_type, zpl) = app
        .get_text(&label_path(id, "?format=zpl"), &reception)
        .await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/zpl"),
        "{content_type}"
    );
    assert!(zpl.starts_with("^XA\n^CI28\n"));
    // plain: no FNC1 escape in front of the data
    assert_eq!(zpl_field(&zpl, "^BXN,"), id);
}

#[tokio::test]
async fn the_optional_code_128_carries_the_id_for_linear_scanners() {
    let app = spawn_app().await;
    let id = "LBL-2026-000123";
    app.admin_registers(id, "saliva", 3).await;
    let lab = app.token(Role::Lab);

    let (status, _, svg) = app.get_text(&label_path(id, "?code128=true"), &lab).await;
    assert_eq!(status, 200, "{svg}");
    let modules = modules_from_svg_rects(&svg, "specimen-code128").expect("bars");
    assert_eq!(
        decode_bars(&modules),
        Some(("]C0".to_string(), id.to_string()))
    );

    let (status, _, _, png) =
        get_bytes(&app, &label_path(id, "?format=png&code128=true"), &lab).await;
    assert_eq!(status, 200);
    let (image, _) = Gray::from_png(&png).expect("PNG");
    // the bottom 7.5 mm hold the bars and nothing else
    let top = image.height * 7 / 10;
    let strip = image.crop(0, top, image.width, image.height - top);
    assert_eq!(
        strip.scan_code128(),
        Some(("]C0".to_string(), id.to_string()))
    );

    let (status, _, zpl) = app
        .get_text(&label_path(id, "?format=zpl&code128=true"), &lab)
        .await;
    assert_eq!(status, 200);
    assert!(zpl.contains("^BCN,"), "{zpl}");

    let (status, _, svg) = app.get_text(&label_path(id, "?code128=false"), &lab).await;
    assert_eq!(status, 200);
    assert!(!svg.contains("specimen-code128"));
}

#[tokio::test]
async fn a_gs1_tube_id_prints_a_gs1_datamatrix_of_its_elements() {
    let app = spawn_app().await;
    let gsrn_id = format!("(8018){GSRN}(8019)7");
    let giai_id = "(8004)4912345TUBE-01";
    app.admin_registers(&gsrn_id, "saliva", 3).await;
    app.admin_registers(giai_id, "saliva", 3).await;

    let cases = [
        (gsrn_id.clone(), format!("8018{GSRN}{GS}80197")),
        (giai_id.to_string(), "80044912345TUBE-01".to_string()),
    ];
    for (id, data) in cases {
        let (status, _, svg) = app.get_text(&label_path(&id, ""), &app.admin).await;
        assert_eq!(status, 200, "{id}: {svg}");
        let matrix = matrix_from_svg_rects(&svg, "specimen-datamatrix").expect("datamatrix");
        assert_eq!(
            decode_matrix(&matrix),
            Some(("]d2".to_string(), data.clone())),
            "{id}"
        );

        let (status, _, _, png) =
            get_bytes(&app, &label_path(&id, "?format=png"), &app.admin).await;
        assert_eq!(status, 200);
        let (image, dpi) = Gray::from_png(&png).expect("PNG");
        assert_eq!(dpi, Some(300));
        assert_eq!(image.scan_datamatrix(), Some(("]d2".to_string(), data)));
    }

    // ZPL: FNC1 first and as the separator after (8018), `_1` with `_` as
    // ^BX's escape character, behind ^FH\ .
    let (status, _, zpl) = app
        .get_text(&label_path(&gsrn_id, "?format=zpl"), &app.admin)
        .await;
    assert_eq!(status, 200);
    assert!(zpl.contains("^BXN,4,200,,,,_^FH\\^FD"), "{zpl}");
    assert_eq!(zpl_field(&zpl, "^BXN,"), format!("_18018{GSRN}_180197"));

    // A GS1 id's plain Code 128 does not fit 50 mm: refused, not shrunk.
    let (status, _, text) = app
        .get_text(&label_path(&gsrn_id, "?code128=true"), &app.admin)
        .await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(error_code(&text), "invalid_input");
}

#[tokio::test]
async fn tube_labels_are_for_reception_lab_and_admin() {
    let app = spawn_app().await;
    let id = "LBL-ROLES-1";
    app.admin_registers(id, "saliva", 3).await;
    for role in [Role::Reception, Role::Lab, Role::Admin] {
        let (status, _, text) = app.get_text(&label_path(id, ""), &app.token(role)).await;
        assert_eq!(status, 200, "{role:?}: {text}");
    }
    let (status, _, text) = app
        .get_text(&label_path(id, ""), &app.token(Role::HealthCentre))
        .await;
    assert_eq!(status, 403, "{text}");
    let (status, _, text) = app
        .get_text(&label_path("NO-SUCH-TUBE", ""), &app.admin)
        .await;
    assert_eq!(status, 404, "{text}");
    assert_eq!(error_code(&text), "unknown_specimen");
    let (status, _, _) = app.get_text(&label_path(id, ""), "kt_not_a_token").await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn bad_formats_and_resolutions_are_400_invalid_input() {
    let app = spawn_app().await;
    let id = "LBL-BAD-1";
    app.admin_registers(id, "saliva", 3).await;
    for query in [
        "?format=pdf",
        "?format=SVG",
        "?format=png&dpi=50",
        "?format=png&dpi=5000",
        "?format=svg&dpi=300",
        "?code128=yes",
        "?colour=red",
    ] {
        let (status, _, text) = app.get_text(&label_path(id, query), &app.admin).await;
        assert_eq!(status, 400, "{query}: {text}");
        assert_eq!(error_code(&text), "invalid_input", "{query}");
    }
    for query in [
        "?format=pdf",
        "?page=0",
        "?page=99",
        "?format=zpl&page=1",
        "?format=png&dpi=203",
        "?format=png&dpi=1200",
    ] {
        let path = format!("/api/v1/labels/commands{query}");
        let (status, _, text) = app.get_text(&path, &app.admin).await;
        assert_eq!(status, 400, "{query}: {text}");
        assert_eq!(error_code(&text), "invalid_input", "{query}");
    }
}

#[tokio::test]
async fn every_command_on_the_sheet_scans_back_from_svg_and_png() {
    let app = spawn_app().await;
    let lab = app.token(Role::Lab);
    let pages = command_sheet::page_count();
    let mut seen = Vec::new();
    for page in 1..=pages {
        let path = format!("/api/v1/labels/commands?page={page}");
        let (status, content_type, count, svg) = get_bytes(&app, &path, &lab).await;
        assert_eq!(status, 200);
        assert!(content_type.starts_with("image/svg+xml"), "{content_type}");
        assert_eq!(count, Some(pages.to_string()));
        let svg = String::from_utf8(svg).expect("UTF-8");
        assert!(svg.contains(r#"width="210mm" height="297mm""#));
        for command in Command::all() {
            let Some(modules) = modules_from_svg_rects(&svg, &command_sheet::svg_id(command))
            else {
                continue;
            };
            assert_eq!(
                decode_bars(&modules),
                Some(("]C0".to_string(), command.barcode_text()))
            );
            seen.push(command);
        }

        let path = format!("/api/v1/labels/commands?format=png&page={page}&dpi=300");
        let (status, content_type, _, png) = get_bytes(&app, &path, &lab).await;
        assert_eq!(status, 200);
        assert_eq!(content_type, "image/png");
        let (image, _) = Gray::from_png(&png).expect("PNG");
        for b in command_sheet::bar_boxes(page, 300).expect("boxes") {
            let crop = image.crop(b.x, b.y, b.width, b.height);
            assert_eq!(
                crop.scan_code128(),
                Some(("]C0".to_string(), b.command.barcode_text()))
            );
        }
    }
    assert_eq!(seen, Command::all(), "every command once, in order");

    let (status, content_type, zpl) = app
        .get_text("/api/v1/labels/commands?format=zpl", &lab)
        .await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/zpl"),
        "{content_type}"
    );
    assert_eq!(zpl.matches("^XA").count(), Command::all().len());
    assert_eq!(zpl.matches("^XZ").count(), Command::all().len());
    assert!(zpl.contains("吸収材を入れた"));
}

#[tokio::test]
async fn the_command_sheet_is_for_lab_and_admin() {
    let app = spawn_app().await;
    for role in [Role::Lab, Role::Admin] {
        let (status, _, text) = app
            .get_text("/api/v1/labels/commands", &app.token(role))
            .await;
        assert_eq!(status, 200, "{role:?}: {text}");
    }
    for role in [Role::Reception, Role::HealthCentre] {
        let (status, _, text) = app
            .get_text("/api/v1/labels/commands", &app.token(role))
            .await;
        assert_eq!(status, 403, "{role:?}: {text}");
    }
}

/// The path of a location's label, the code percent-encoded.
fn location_label_path(code: &str, query: &str) -> String {
    format!(
        "/api/v1/locations/{}/label{query}",
        kentai::web::encode_path_segment(code)
    )
}

#[tokio::test]
async fn a_location_label_scans_back_to_its_code_and_a_station_reads_it_as_that_location() {
    let app = spawn_app_with(with_stations).await;
    let gln = "(414)4912345000019(254)FR-1";
    let giai = "(8004)4912345LOC-7";
    let plain = "FRIDGE-B";
    for code in [gln, giai, plain] {
        app.location(code, "fridge_4c").await;
    }
    let clerk = app.token(Role::Reception);
    for (code, symbology, data) in [
        (gln, "]C1", "4144912345000019254FR-1"),
        (giai, "]C1", "80044912345LOC-7"),
        (plain, "]C0", "FRIDGE-B"),
    ] {
        let (status, content_type, _, body) =
            get_bytes(&app, &location_label_path(code, ""), &clerk).await;
        assert_eq!(status, 200, "{code}");
        assert!(content_type.starts_with("image/svg+xml"), "{content_type}");
        let svg = String::from_utf8(body).expect("SVG text");
        assert!(svg.contains("冷蔵 (4 °C)"), "the class in Japanese: {svg}");
        assert!(svg.contains(&format!("fridge_4c {code}")), "the name");
        let modules = modules_from_svg_rects(&svg, "location-code128").expect("bars");
        let scanned = decode_bars(&modules).expect("the bars scan");
        assert_eq!(scanned, (symbology.to_string(), data.to_string()), "{code}");

        // The PNG's pixels scan the same.
        let (status, content_type, _, png) = get_bytes(
            &app,
            &location_label_path(code, "?format=png&dpi=300"),
            &clerk,
        )
        .await;
        assert_eq!(
            (status, content_type.as_str()),
            (200, "image/png"),
            "{code}"
        );
        let (image, _) = Gray::from_png(&png).expect("a PNG");
        assert_eq!(
            image.scan_code128(),
            Some((symbology.to_string(), data.to_string())),
            "{code}"
        );

        // What the scanner sends is read by a storage station as this very
        // location.
        let (status, outcome) = app
            .scan(&clerk, "fridge-1", &format!("{symbology}{data}"))
            .await;
        assert_eq!(status, 201, "{code}: {outcome}");
        assert_eq!(outcome["outcome"]["kind"], "location", "{code}: {outcome}");
        assert_eq!(outcome["outcome"]["accepted"], true, "{code}: {outcome}");
    }

    // ZPL: GS1-128 by FNC1 after the start code, the Japanese in the CJK
    // font.
    let (status, content_type, _, zpl) =
        get_bytes(&app, &location_label_path(gln, "?format=zpl"), &clerk).await;
    assert_eq!(status, 200);
    assert!(
        content_type.starts_with("application/zpl"),
        "{content_type}"
    );
    let zpl = String::from_utf8(zpl).expect("ZPL text");
    let field = zpl_field(&zpl, "^BC");
    assert_eq!(&field[2..4], ">8", "{zpl}");
    assert!(zpl.contains("^AJN") && zpl.contains("冷蔵 (4 °C)"), "{zpl}");
}

#[tokio::test]
async fn location_labels_are_for_the_desks_that_read_locations_and_bad_requests_are_400() {
    let app = spawn_app().await;
    app.location("F-LBL", "frozen_minus80").await;
    let path = location_label_path("F-LBL", "");
    for role in [Role::Reception, Role::Lab, Role::Admin] {
        let (status, _, text) = app.get_text(&path, &app.token(role)).await;
        assert_eq!(status, 200, "{role:?}: {text}");
    }
    let (status, _, text) = app.get_text(&path, &app.token(Role::HealthCentre)).await;
    assert_eq!(status, 403, "{text}");
    let (status, _, text) = app
        .get_text(&location_label_path("NOWHERE", ""), &app.admin)
        .await;
    assert_eq!(status, 404, "{text}");
    assert_eq!(error_code(&text), "unknown_location");
    for query in [
        "?format=pdf",
        "?format=svg&dpi=300",
        "?format=png&dpi=50",
        "?page=1",
    ] {
        let (status, _, text) = app
            .get_text(&location_label_path("F-LBL", query), &app.admin)
            .await;
        assert_eq!(status, 400, "{query}: {text}");
        assert_eq!(error_code(&text), "invalid_input", "{query}");
    }
    // A code Code 128 cannot carry is refused with the reason, not drawn
    // as bars that scan as something else.
    app.location("冷蔵庫A", "fridge_4c").await;
    let (status, _, text) = app
        .get_text(&location_label_path("冷蔵庫A", ""), &app.admin)
        .await;
    assert_eq!(status, 400, "{text}");
    assert_eq!(error_code(&text), "invalid_input");
}
