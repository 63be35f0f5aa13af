//! Parse + validate throughput of GS1 scans on one core. The target of 3
//! million a second is the for a `]d2` scan (the GS1 reference
//! engine, gs1encoders, does about 1 million); the Digital Link URI is
//! reported beside it, without a target of its own.
//!
//! `cargo bench --bench barcode`. Each scan is run through
//! `kentai::barcode::parse_gs1` (element format, linters, then repeated /
//! exclusive / required AIs) `KENTAI_BENCH_PARSES` times a round (default
//! 1,000,000), `KENTAI_BENCH_ROUNDS` rounds (default 7); the report gives
//! the median round and the spread.

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use std::hint::black_box;
use std::time::Instant;

/// The target, parses per second per core.
const TARGET: f64 = 3_000_000.0;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Parses per second of each round, sorted.
fn measure(scan: &str, parses: usize, rounds: usize) -> Vec<f64> {
    // Warm up (and check the scan is valid: a bench of errors is no bench).
    for _ in 0..parses / 10 {
        let parsed = kentai::barcode::parse_gs1(black_box(scan));
        assert!(parsed.is_ok(), "{scan:?}: {parsed:?}");
    }
    let mut rates: Vec<f64> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..parses {
                let parsed = kentai::barcode::parse_gs1(black_box(scan));
                black_box(&parsed);
            }
            parses as f64 / start.elapsed().as_secs_f64()
        })
        .collect();
    rates.sort_by(f64::total_cmp);
    rates
}

fn main() {
    let parses = env_usize("KENTAI_BENCH_PARSES", 1_000_000).max(1);
    let rounds = env_usize("KENTAI_BENCH_ROUNDS", 7).max(5);
    let scans = [
        (
            "]d2 GTIN + expiry + lot + serial",
            true,
            // (01) and (17) have predefined lengths: no GS after them.
            "]d2010950600013435217261231".to_string() + "10ABC123\u{1d}21XYZ",
        ),
        (
            "Digital Link URI",
            false,
            "https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ?17=261231".to_string(),
        ),
    ];
    println!("parse + validate, one core, {rounds} rounds of {parses} parses (median, min..max):");
    for (name, has_target, scan) in &scans {
        let rates = measure(scan, parses, rounds);
        let median = rates[rates.len() / 2];
        let against = if *has_target {
            format!("  {:.2}x the 3 M/s target", median / TARGET)
        } else {
            String::new()
        };
        println!(
            "  {name:<34} {:>6.2} M/s  ({:.2}..{:.2}){against}  [{}]",
            median / 1e6,
            rates[0] / 1e6,
            rates[rates.len() - 1] / 1e6,
            scan.escape_debug(),
        );
    }
}
