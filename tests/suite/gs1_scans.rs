//! Scans a clinic or lab meets (README, barcodes), written here from the GS1 rules,
//! and their typical damage: each is accepted with its exact element
//! string, or refused naming the AI at fault, as the GS1 reference engine
//! would (the reason, from the GS1 Barcode Syntax Dictionary, is given
//! with each case).

use kentai::barcode::{parse, parse_gs1, BarcodeError, ParsedScan};

/// GS (0x1D): FNC1 between fields, as a scanner sends it.
const GS: &str = "\u{1d}";

/// `body` with its GS1 mod-10 check digit appended.
fn with_check(body: &str) -> String {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 3 } else { 1 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// `number` with its last digit changed, so its check digit is wrong.
fn bad_check(number: &str) -> String {
    let (body, last) = number.split_at(number.len() - 1);
    let wrong = (last.parse::<u8>().unwrap() + 1) % 10;
    format!("{body}{wrong}")
}

fn gtin() -> String {
    with_check("0950600013435")
}
fn sscc() -> String {
    with_check("04912345000000001")
}
fn gsrn() -> String {
    with_check("49123450000012345")
}
fn gln() -> String {
    with_check("491234500001")
}

#[track_caller]
fn accepted(scan: &str) -> ParsedScan {
    match parse_gs1(scan) {
        Ok(p) => {
            assert!(p.gs1, "{scan:?} should be GS1");
            // `parse` reads GS1 scans the same way.
            assert_eq!(parse(scan).as_ref(), Ok(&p), "{scan:?}");
            // The element string reads back to the same elements.
            let again = parse_gs1(&p.element_string()).map(|a| a.elements);
            assert_eq!(again.as_ref(), Ok(&p.elements), "{scan:?}");
            p
        }
        Err(e) => panic!("{scan:?} should be accepted, got: {e:?}"),
    }
}

#[track_caller]
fn refused(scan: &str, ai: Option<&str>) -> BarcodeError {
    match parse_gs1(scan) {
        Ok(p) => panic!("{scan:?} should be refused, got {}", p.element_string()),
        Err(e) => {
            assert_eq!(e.ai.as_deref(), ai, "{scan:?}: {e:?}");
            assert!(!e.message.is_empty());
            // `parse` refuses it too: it looks like GS1.
            assert!(parse(scan).is_err(), "{scan:?}");
            e
        }
    }
}

#[test]
fn the_check_digit_helper_agrees_with_published_numbers() {
    assert_eq!(gtin(), "09506000134352");
    assert_eq!(with_check("00614141123456789"), "006141411234567890");
    assert_eq!(bad_check("09506000134352"), "09506000134353");
}

// --- Collection kits: GTIN + expiry + lot + serial ------------------------

#[test]
fn a_kit_label_reads_the_same_from_datamatrix_gs1_128_and_qr() {
    let g = gtin();
    // (01) and (17) have predefined lengths: no GS after them; (10) is
    // variable (X..20): GS before the next field.
    let data = format!("01{g}1726123110ABC123{GS}21XYZ");
    for aim in ["]d2", "]C1", "]Q3"] {
        let p = accepted(&format!("{aim}{data}"));
        assert_eq!(
            p.element_string(),
            format!("(01){g}(17)261231(10)ABC123(21)XYZ")
        );
        assert_eq!(p.symbology.as_deref(), Some(aim));
        assert_eq!(p.get("10"), Some("ABC123"));
        assert_eq!(p.text, data);
    }
}

#[test]
fn a_kit_label_in_bracketed_form_and_in_another_order_is_the_same_data() {
    let g = gtin();
    let p = accepted(&format!("(01){g}(21)XYZ(10)ABC123(17)261231"));
    assert_eq!(
        p.element_string(),
        format!("(01){g}(21)XYZ(10)ABC123(17)261231")
    );
    assert_eq!(p.symbology, None);
    let p = accepted(&format!("]d201{g}21XYZ{GS}10ABC123{GS}17261231"));
    assert_eq!(p.get("17"), Some("261231"));
}

#[test]
fn a_kit_label_with_a_bad_gtin_check_digit_is_refused_at_the_last_digit() {
    // (01) N14,csum: the 14th digit is the mod-10 check digit.
    let e = refused(
        &format!("]d201{}1726123110ABC123", bad_check(&gtin())),
        Some("01"),
    );
    assert_eq!(e.position, Some(13));
    assert!(e.message.contains("check digit"), "{}", e.message);
}

#[test]
fn an_impossible_expiry_date_is_refused() {
    // (17) N6,yymmd0: 31 February does not exist (day 00 would be allowed).
    let e = refused(&format!("]d201{}1726023110ABC123", gtin()), Some("17"));
    assert_eq!(e.position, Some(4));
    assert!(
        e.message.contains("GS1_LINTER_ILLEGAL_DAY"),
        "{}",
        e.message
    );
    refused(&format!("]d201{}17261301", gtin()), Some("17"));
    // A day of 00 means "end of month" and is allowed.
    let p = accepted(&format!("]d201{}17260200", gtin()));
    assert_eq!(p.get("17"), Some("260200"));
}

#[test]
fn a_missing_gs_lets_the_lot_swallow_the_serial() {
    // (10) is X..20: without GS, "ABC123" + "21XYZ" is one valid lot
    // "ABC12321XYZ" and there is no serial. The engine reads it so too: the
    // data is wrong but well-formed, which is why labels need the GS.
    let g = gtin();
    let p = accepted(&format!("]d201{g}10ABC12321XYZ"));
    assert_eq!(p.element_string(), format!("(01){g}(10)ABC12321XYZ"));
    assert_eq!(p.get("21"), None);
}

#[test]
fn a_missing_gs_that_makes_the_lot_too_long_is_refused_naming_the_lot() {
    // (10) is at most 20 characters: 16 + "21XYZ123" is 24.
    let e = refused(
        &format!("]d201{}10ABCDEFGHIJKLMNOP21XYZ123", gtin()),
        Some("10"),
    );
    assert_eq!(e.position, Some(20));
}

#[test]
fn an_extra_gs_after_a_fixed_length_field_or_at_the_end_is_tolerated() {
    // The engine tolerates a "superfluous FNC1" after a predefined-length
    // AI and at the end of the data.
    let g = gtin();
    let p = accepted(&format!("]d201{g}{GS}17261231{GS}10ABC123{GS}"));
    assert_eq!(p.element_string(), format!("(01){g}(17)261231(10)ABC123"));
}

#[test]
fn two_gs_in_a_row_are_refused() {
    // The second GS starts no AI (an empty field).
    let e = refused(&format!("]d201{}10ABC123{GS}{GS}21XYZ", gtin()), None);
    assert_eq!(e.position, Some(3 + 16 + 8 + 1));
}

#[test]
fn an_unknown_ai_is_refused() {
    // No AI (89) in the dictionary; the engine refuses unknown AIs by
    // default.
    let e = refused(&format!("]d201{}89ABC", gtin()), None);
    assert!(e.message.contains("unknown AI"), "{}", e.message);
    assert_eq!(e.position, Some(3 + 16));
    let e = refused(&format!("(01){}(89)ABC", gtin()), Some("89"));
    assert!(e.message.contains("unknown AI (89)"), "{}", e.message);
}

#[test]
fn a_lot_without_its_gtin_is_refused() {
    // (10) req=01,02,03,8006,8026; (21) req=01,03,8006.
    let e = refused("]d210ABC123", Some("10"));
    assert!(e.message.contains("(01)"), "{}", e.message);
    refused(&format!("]d210ABC123{GS}21XYZ"), Some("10"));
    refused("(21)XYZ", Some("21"));
    // (17) req=01,02,03,255,8006,8026.
    refused("]d217261231", Some("17"));
}

#[test]
fn a_gtin_with_a_content_gtin_is_an_exclusive_pair() {
    // (02) ex=01,03: a logistic unit's content GTIN never comes with the
    // unit's own GTIN; the error names (02), which excludes (01).
    let g = gtin();
    let e = refused(&format!("(01){g}(02){g}(37)10"), Some("01"));
    // (01) ex=255,37 is found first: (01) may not come with a count either.
    assert!(e.message.contains("(37)"), "{}", e.message);
    let e = refused(&format!("(02){g}(37)10(01){g}"), Some("02"));
    assert!(e.message.contains("(01)"), "{}", e.message);
}

#[test]
fn a_character_outside_set_82_is_refused_at_its_position() {
    // (10) X..20: set 82 has no space, '#' or non-ASCII characters.
    let g = gtin();
    for (lot, at) in [("AB C1", 2), ("AB#C1", 2), ("ロット1", 0), ("A\tB", 1)] {
        let e = refused(&format!("]d201{g}10{lot}"), Some("10"));
        assert_eq!(e.position, Some(at), "{lot:?}: {e:?}");
    }
    // '^' is the engine's FNC1: refused in scan data whatever the field.
    refused(&format!("]d201{g}10AB^C"), None);
}

#[test]
fn a_bracket_in_a_value_is_escaped_in_the_element_string() {
    // Set 82 has '(' and ')'; the bracketed form writes a data '(' as "\(".
    let g = gtin();
    let p = accepted(&format!("]d201{g}10AB(C)"));
    assert_eq!(p.get("10"), Some("AB(C)"));
    assert_eq!(p.element_string(), format!("(01){g}(10)AB\\(C)"));
}

#[test]
fn a_repeated_ai_is_fine_with_the_same_value_only() {
    // Two symbols on one label read together repeat their GTIN.
    let g = gtin();
    let p = accepted(&format!("]d201{g}10ABC{GS}01{g}"));
    assert_eq!(p.elements.len(), 3);
    let e = refused(&format!("]d201{g}10ABC{GS}10ABD"), Some("10"));
    assert!(e.message.contains("different values"), "{}", e.message);
}

// --- Packages: SSCC and logistics AIs --------------------------------------

#[test]
fn a_package_label_with_sscc_content_count_and_order_number_reads() {
    // (00) SSCC; (02) req=37; (37) req=00 and req=02,8026; (400) X..30.
    let (s, g) = (sscc(), gtin());
    let p = accepted(&format!("]C100{s}02{g}3712{GS}400PO-2026-0042"));
    assert_eq!(
        p.element_string(),
        format!("(00){s}(02){g}(37)12(400)PO-2026-0042")
    );
    assert_eq!(accepted(&format!("]C100{s}")).get("00"), Some(s.as_str()));
}

#[test]
fn broken_package_labels_are_refused() {
    let (s, g) = (sscc(), gtin());
    refused(&format!("]C100{}", bad_check(&s)), Some("00"));
    // (02) without its count (37).
    refused(&format!("]C100{s}02{g}"), Some("02"));
    // (37) without (00).
    refused(&format!("]C102{g}3712"), Some("37"));
    // (37) is N..8.
    refused(&format!("]C100{s}02{g}37123456789"), Some("37"));
    // A short SSCC runs into the next AI's digits and fails its check digit.
    refused(&format!("]C100{}02{g}3712", &s[..17]), Some("00"));
}

// --- Specimen tubes and patients: GSRN + SRIN, GIAI -------------------------

#[test]
fn a_tube_label_with_gsrn_and_srin_reads() {
    // (8018) N18,csum is not predefined-length: GS after it.
    let r = gsrn();
    let p = accepted(&format!("]d28018{r}{GS}80191234"));
    assert_eq!(p.element_string(), format!("(8018){r}(8019)1234"));
    assert_eq!(
        accepted(&format!("]d28018{r}")).get("8018"),
        Some(r.as_str())
    );
}

#[test]
fn broken_tube_labels_are_refused() {
    let r = gsrn();
    refused(&format!("]d28018{}", bad_check(&r)), Some("8018"));
    // Without GS the SRIN runs on after the 18 digits.
    let e = refused(&format!("]d28018{r}80191234"), Some("8018"));
    assert_eq!(e.position, Some(18));
    // (8019) req=8017,8018; (8019) is N..10.
    refused("]d280191234", Some("8019"));
    refused(&format!("]d28018{r}{GS}801912345678901"), Some("8019"));
    // (8017) ex=8018: a provider's and a recipient's GSRN together.
    refused(&format!("(8017){r}(8018){r}"), Some("8017"));
}

#[test]
fn an_asset_label_with_a_giai_reads() {
    // (8004) X..30,gcppos1.
    let p = accepted("]d28004491234500ABC-001");
    assert_eq!(p.element_string(), "(8004)491234500ABC-001");
    refused("]d28004491234500ABC 001", Some("8004"));
    refused(&format!("]d28004{}", "4".repeat(31)), Some("8004"));
}

// --- Storage locations: GLN + extension ---------------------------------------

#[test]
fn a_location_label_with_gln_and_extension_reads() {
    // (414) N13,csum has a predefined length (prefix 41): no GS after it;
    // (254) X..20 req=414.
    let l = gln();
    let p = accepted(&format!("]d2414{l}254FRIDGE-2/SHELF-3"));
    assert_eq!(p.element_string(), format!("(414){l}(254)FRIDGE-2/SHELF-3"));
}

#[test]
fn broken_location_labels_are_refused() {
    let l = gln();
    refused(&format!("]d2414{}254A1", bad_check(&l)), Some("414"));
    refused("]d2254A1", Some("254"));
    refused(&format!("]d2414{l}254{}", "A".repeat(21)), Some("254"));
}

// --- GS1 Digital Link -----------------------------------------------------------

#[test]
fn a_digital_link_on_a_kit_reads_path_first_then_attributes() {
    let g = gtin();
    let uri = format!("https://id.gs1.org/01/{g}/10/ABC123/21/XYZ?17=261231");
    let p = accepted(&uri);
    assert_eq!(
        p.element_string(),
        format!("(01){g}(10)ABC123(21)XYZ(17)261231")
    );
    assert_eq!(p.text, uri);
    assert_eq!(p.symbology, None);
    // Scanned from a QR Code with AIM identifiers on.
    let p = accepted(&format!("]Q1{uri}"));
    assert_eq!(p.symbology.as_deref(), Some("]Q1"));
    assert_eq!(p.get("17"), Some("261231"));
}

#[test]
fn a_digital_link_on_a_custom_domain_with_a_path_prefix_decodes_its_values() {
    let g = gtin();
    let p = accepted(&format!(
        "https://labels.example.jp/kits/v1/01/{g}/10/LOT%2F7?17=270131&utm_source=box#x"
    ));
    assert_eq!(p.element_string(), format!("(01){g}(10)LOT/7(17)270131"));
}

#[test]
fn broken_digital_links_are_refused() {
    let g = gtin();
    refused(
        &format!("https://id.gs1.org/01/{}", bad_check(&g)),
        Some("01"),
    );
    // (10) is a path qualifier of (01): not a query attribute.
    refused(&format!("https://id.gs1.org/01/{g}?10=ABC"), Some("10"));
    // Qualifiers in the wrong order (/22/10/21).
    refused(
        &format!("https://id.gs1.org/01/{g}/21/XYZ/10/ABC"),
        Some("01"),
    );
    // An impossible date in the query.
    refused(&format!("https://id.gs1.org/01/{g}?17=260231"), Some("17"));
    // (21) is not a Digital Link data attribute at all.
    refused(&format!("https://id.gs1.org/01/{g}/10/A?21=X"), Some("21"));
    // A character URIs may not have.
    refused(&format!("https://id.gs1.org/01/{g}/10/AB<C"), None);
    // A zero-suppressed GTIN-13 in the path (engine default: refused).
    refused(&format!("https://id.gs1.org/01/{}", &g[1..]), Some("01"));
}

#[test]
fn a_url_without_a_gs1_key_is_a_plain_code_but_not_gs1() {
    let url = "https://clinic.example.jp/info?id=42";
    let p = parse(url).unwrap();
    assert!(!p.gs1);
    assert_eq!(p.text, url);
    assert!(parse_gs1(url).is_err());
    let p = parse(&format!("]Q1{url}")).unwrap();
    assert_eq!((p.gs1, p.symbology.as_deref()), (false, Some("]Q1")));
}

// --- EAN/UPC and plain codes -----------------------------------------------------

#[test]
fn an_ean_13_is_a_gtin_padded_to_14_digits() {
    let ean = with_check("491234567890");
    let p = accepted(&format!("]E0{ean}"));
    assert_eq!(p.element_string(), format!("(01)0{ean}"));
    refused(&format!("]E0{}", bad_check(&ean)), None);
    let ean8 = with_check("4912345");
    let p = accepted(&format!("]E4{ean8}"));
    assert_eq!(p.element_string(), format!("(01)000000{ean8}"));
}

#[test]
fn plain_codes_are_kept_as_scanned_and_refused_as_gs1() {
    for (scan, sym, text) in [
        ("]C0ACC-2026-000123", Some("]C0"), "ACC-2026-000123"),
        ("]A0PT123456", Some("]A0"), "PT123456"),
        ("]d1TUBE-42", Some("]d1"), "TUBE-42"),
        ("ACC-2026-000123", None, "ACC-2026-000123"),
        (
            "KTCMD:tick:secondary.absorbent",
            None,
            "KTCMD:tick:secondary.absorbent",
        ),
        ("(see note)", None, "(see note)"),
        ("]X", None, "]X"),
    ] {
        let p = parse(scan).unwrap();
        assert!(!p.gs1, "{scan:?}");
        assert_eq!(
            (p.symbology.as_deref(), p.text.as_str()),
            (sym, text),
            "{scan:?}"
        );
        assert!(p.elements.is_empty());
        assert!(parse_gs1(scan).is_err(), "{scan:?}");
    }
}

#[test]
fn bytes_that_are_not_utf8_are_refused() {
    let e = kentai::barcode::parse_bytes(b"]d2\xff\xfe").unwrap_err();
    assert_eq!(e.position, Some(3));
    assert!(kentai::barcode::parse_bytes(b"]C0ACC-1").is_ok());
}

// --- Robustness ---------------------------------------------------------------

#[test]
fn no_input_makes_the_parser_panic_and_what_parses_reads_back() {
    use kentai::barcode::digital_link::{parse_uri, to_uri};
    use kentai::barcode::parse::{parse_bracketed, parse_raw, to_raw};
    use kentai::barcode::{parse_gs1_with, Gs1Options};
    // Pieces that steer the parser into its corners, glued at random.
    const PIECES: &[&str] = &[
        "]d2",
        "]C1",
        "]Q1",
        "]Q3",
        "]E0",
        "]E4",
        "]e0",
        "]C0",
        "]",
        "(",
        ")",
        "\\(",
        "\\",
        "^",
        GS,
        "01",
        "09506000134352",
        "10",
        "17",
        "21",
        "8018",
        "8019",
        "00",
        "235",
        "3103",
        "89",
        "99",
        "7007",
        "8003",
        "8030",
        "253",
        "414",
        "254",
        "https://",
        "HTTP://",
        "a/",
        "/",
        "?",
        "&",
        "=",
        "%",
        "%2F",
        "%00",
        "%f",
        "#",
        "+",
        "1",
        "2",
        "9",
        "A",
        "x",
        " ",
        "é",
        "ロ",
        "|]e0",
        "2112345678900",
        "02345673",
        "\r",
        "\n",
    ];
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        // xorshift64*: deterministic, no dependency.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_f491_4f6c_dd1d)
    };
    let permissive = Gs1Options {
        permit_unknown_ais: true,
        permit_zero_suppressed_gtin_in_dl: true,
        validate_requisites: false,
        unknown_ai_not_dl_attribute: false,
    };
    // Valid scans, to be damaged a little.
    let seeds = [
        format!("]d201{}1726123110ABC(1){GS}21XYZ", gtin()),
        format!("]C100{}02{}3712{GS}400PO-1", sscc(), gtin()),
        format!("]d28018{}{GS}80191234", gsrn()),
        format!("]d2414{}254A-1", gln()),
        format!("(01){}(10)AB\\(C(21)X", gtin()),
        format!(
            "https://id.gs1.org/01/{}/10/A%2FB/21/X?17=261231&x=1",
            gtin()
        ),
        format!("]E02112345678900|]e099COMPOSITE{GS}98XYZ"),
    ];
    for round in 0..30_000 {
        let input: String = if round % 2 == 0 {
            let n = (next() % 12) as usize;
            (0..n)
                .map(|_| PIECES[(next() % PIECES.len() as u64) as usize])
                .collect()
        } else {
            let mut chars: Vec<String> = seeds[(next() % seeds.len() as u64) as usize]
                .chars()
                .map(String::from)
                .collect();
            for _ in 0..1 + next() % 2 {
                let at = (next() % (chars.len() as u64 + 1)) as usize;
                let piece = PIECES[(next() % PIECES.len() as u64) as usize].to_string();
                match next() % 3 {
                    0 => chars.insert(at, piece),
                    1 if at < chars.len() => {
                        chars.remove(at);
                    }
                    _ if at < chars.len() => chars[at] = piece,
                    _ => chars.push(piece),
                }
            }
            chars.concat()
        };
        let _ = parse(&input);
        let _ = parse_gs1(&input);
        for o in [Gs1Options::default(), permissive] {
            if let Ok(p) = parse_gs1_with(&input, &o) {
                // What reads as GS1 reads back from its element string.
                let again = parse_gs1_with(&p.element_string(), &o).map(|a| a.elements);
                assert_eq!(again.as_ref(), Ok(&p.elements), "{input:?}");
                let _ = to_uri(&p.elements, None, &o);
                let _ = to_raw(&p.elements, &o);
            }
            let _ = parse_bracketed(&input, &o);
            let _ = parse_raw(&input, &o);
            let _ = parse_uri(&input, &o);
        }
    }
}
