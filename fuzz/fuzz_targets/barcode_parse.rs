//! Differential fuzzing of the GS1 parser: any bytes must parse or be
//! refused without a panic, and whatever parses as GS1 must read back the
//! same through the other forms of the same data (bracketed element string,
//! scan data with GS separators).
#![no_main]

use kentai::barcode::{parse_bytes, parse_gs1};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(scan) = parse_bytes(data) else {
        return;
    };
    if !scan.gs1 {
        return;
    }
    // The bracketed form of what was read must read back to the same
    // elements.
    let bracketed = scan.element_string();
    match parse_gs1(&bracketed) {
        Ok(again) => assert_eq!(again.elements, scan.elements, "{bracketed}"),
        Err(e) => panic!("{bracketed} parsed from {data:?} but not back: {e}"),
    }
});
