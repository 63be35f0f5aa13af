//! The FHIR writer alone: CPU per row of `FhirWriter`, without the
//! database or HTTP, so a change to `report::fhir` shows its own effect
//! (the `report` bench mixes in the query and the transfer).
//!
//! Rows are built in memory like the `report` bench's day (a patient per
//! tube, one facility, a third with a result), plus some flags, corrected
//! results and texts that need cleaning or escaping, so every path of the
//! writer runs. Each run writes the whole Bundle to `io::sink()` and to a
//! writer that gathers 32 KiB chunks as the HTTP layer's does; the report
//! gives the median of the runs, in wall-clock time and in the thread's CPU
//! time (which a busy machine disturbs less).
//!
//! `FHIR_BENCH_ROWS` (default 100000) and `FHIR_BENCH_RUNS` (default 9)
//! change the size; `FHIR_BENCH_DUMP=<file>` also writes the Bundle there,
//! to compare the output of two versions byte for byte.

// A failed assumption here is a failed test or run, not a user's error.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
use chrono::{DateTime, Duration, FixedOffset, NaiveDate};
use kentai::domain::messages::RuleMsg;
use kentai::domain::registration::Flag;
use kentai::domain::Msg;
use kentai::domain::RuleCode;
use kentai::report::fhir::FhirWriter;
use kentai::report::ReportRow;
use std::hint::black_box;
use std::io::{self, Write};
use std::time::Instant;

const TYPES: [&str; 11] = [
    "saliva",
    "nasopharyngeal_swab",
    "sputum",
    "serum_acute",
    "stool",
    "urine",
    "tracheal_aspirate",
    "serum_convalescent",
    "whole_blood",
    "autopsy_tissue",
    "nasal_wash",
];
const METHODS: [&str; 5] = [
    "pcr",
    "lamp",
    "antigen_qualitative",
    "antigen_quantitative",
    "culture",
];
const RESULTS: [&str; 5] = ["negative", "positive", "inconclusive", "invalid", "maybe"];
const SEXES: [&str; 5] = ["female", "male", "other", "unknown", "F"];

fn main() -> io::Result<()> {
    let n = env_number("FHIR_BENCH_ROWS", 100_000);
    let runs = env_number("FHIR_BENCH_RUNS", 9).max(1);
    let time = |s: &str| DateTime::parse_from_rfc3339(s).map_err(io::Error::other);
    let midnight = time("2026-11-20T00:00:00+09:00")?;
    let generated = time("2026-11-20T23:59:00+09:00")?;
    let date = midnight.date_naive();
    let rows = day(n, midnight);

    if let Ok(path) = std::env::var("FHIR_BENCH_DUMP") {
        let file = io::BufWriter::new(std::fs::File::create(&path)?);
        write(file, date, generated, &rows)?;
    }

    let bytes = write(Counter(0), date, generated, &rows)?.0;
    println!(
        "FHIR writer, {n} rows ({:.1} MB of JSON), median of {runs} runs",
        bytes as f64 / 1e6
    );
    let (mut sink, mut sink_cpu) = (Vec::new(), Vec::new());
    let (mut chunked, mut chunked_cpu) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (start, cpu) = (Instant::now(), cpu_seconds());
        black_box(write(io::sink(), date, generated, &rows)?);
        sink.push(start.elapsed().as_secs_f64());
        sink_cpu.extend(cpu.zip(cpu_seconds()).map(|(a, b)| b - a));
        let (start, cpu) = (Instant::now(), cpu_seconds());
        black_box(write(Chunks::default(), date, generated, &rows)?);
        chunked.push(start.elapsed().as_secs_f64());
        chunked_cpu.extend(cpu.zip(cpu_seconds()).map(|(a, b)| b - a));
    }
    for (name, times, cpu) in [
        ("io::sink()", sink, sink_cpu),
        ("32 KiB chunks", chunked, chunked_cpu),
    ] {
        let (median, min, max) = spread(times);
        let cpu = if cpu.len() == runs {
            let (cpu, _, _) = spread(cpu);
            format!(
                "   CPU {:>7.1} ms {:>6.0} ns/row",
                cpu * 1e3,
                cpu * 1e9 / n.max(1) as f64
            )
        } else {
            String::new()
        };
        println!(
            "  {name:<14} {:>7.1} ms {:>6.0} ns/row {:>5.0} MB/s (min {:.1}, max {:.1}){cpu}",
            median * 1e3,
            median * 1e9 / n.max(1) as f64,
            bytes as f64 / 1e6 / median,
            min * 1e3,
            max * 1e3,
        );
    }
    Ok(())
}

/// Median, min and max.
fn spread(mut times: Vec<f64>) -> (f64, f64, f64) {
    times.sort_by(f64::total_cmp);
    let at = |i: usize| times.get(i).copied().unwrap_or(f64::NAN);
    (
        at(times.len() / 2),
        at(0),
        at(times.len().saturating_sub(1)),
    )
}

/// The CPU time this thread has used (user and system, from
/// /proc/thread-self/stat, in 10 ms ticks): on a busy machine the wall
/// clock also counts the time other processes had the CPU.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    // The fields after the command name, which is in parentheses and may
    // hold spaces: utime and stime are the 14th and 15th fields.
    let rest = stat.rsplit_once(')')?.1;
    let mut fields = rest.split_whitespace().skip(11);
    let utime: f64 = fields.next()?.parse().ok()?;
    let stime: f64 = fields.next()?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn write<W: Write>(
    out: W,
    date: NaiveDate,
    generated: DateTime<FixedOffset>,
    rows: &[ReportRow],
) -> io::Result<W> {
    let mut w = FhirWriter::start(out, date, "all", generated)?;
    for row in rows {
        w.row(row)?;
    }
    w.finish()
}

/// Counts the bytes, for the report's size.
struct Counter(usize);

impl Write for Counter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.0 += data.len();
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Gathers bytes and lets 32 KiB go at a time, as `http::reports`'
/// `ChunkWriter` does (there the chunk goes to a channel).
#[derive(Default)]
struct Chunks {
    buf: Vec<u8>,
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= 32 * 1024 {
            self.flush()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        black_box(std::mem::take(&mut self.buf));
        Ok(())
    }
}

/// `n` rows of a day, as the `report` bench's database yields them, with
/// now and then what a real day brings besides.
fn day(n: usize, midnight: DateTime<FixedOffset>) -> Vec<ReportRow> {
    let date = midnight.date_naive();
    (0..n)
        .map(|i| {
            let collected = midnight + Duration::seconds((i as i64 * 86_000) / n.max(1) as i64);
            let resulted = i % 3 == 0;
            let odd = i % 97 == 0;
            let mut flags = Vec::new();
            if i % 40 == 0 {
                flags.push(Flag {
                    code: RuleCode::SalivaWindowExceeded,
                    message: RuleMsg::SalivaWindowExceeded { day: 12, max: 9 }.into(),
                    override_reason: Some("下気道検体の採取が困難なため".into()),
                });
            }
            if i % 60 == 0 {
                flags.push(Flag {
                    code: RuleCode::FreezeThaw,
                    message: if odd {
                        Msg::Text(" ".into())
                    } else {
                        RuleMsg::FreezeThawCycles { count: 2 }.into()
                    },
                    override_reason: if odd { Some("  ".into()) } else { None },
                });
            }
            ReportRow {
                report_date: date,
                facility_name: if odd {
                    "\u{3000}".into()
                } else {
                    "けんたい内科クリニック".into()
                },
                facility_code: match i % 500 {
                    0 => String::new(),
                    1 => "1310000002".into(),
                    _ => "1310000001".into(),
                },
                name: if odd {
                    format!("\u{feff}山田\u{3000}\"太郎\\{i}\"\u{1}\u{7f}\u{2028}\n")
                } else {
                    format!("患者 {i}")
                },
                name_kana: (i % 11 != 0).then(|| format!("カンジャ {i}")),
                sex: SEXES[i % SEXES.len()].into(),
                birth_date: (i % 13 != 0).then(|| {
                    NaiveDate::from_ymd_opt(
                        1940 + (i % 80) as i32,
                        1 + (i % 12) as u32,
                        1 + (i % 28) as u32,
                    )
                    .unwrap_or_default()
                }),
                address: (i % 17 != 0).then(|| format!("東京都新宿区西新宿2-8-{}", i % 100)),
                phone: match i % 19 {
                    0 => None,
                    1 => Some("\t".into()),
                    _ => Some(format!("03-0000-{:04}", i % 10_000)),
                },
                onset_date: Some(date - Duration::days((i % 7) as i64)),
                days_since_onset: Some((i % 7) as i32),
                collection_date: date,
                collected_at: collected,
                test_method: if odd {
                    " 謎の検査\u{3000}".into()
                } else {
                    METHODS[i % METHODS.len()].into()
                },
                specimen_type: if i % 194 == 0 {
                    "\u{3000}".into()
                } else {
                    TYPES[i % TYPES.len()].into()
                },
                result: resulted.then(|| RESULTS[i % RESULTS.len()].into()),
                result_date: resulted.then_some(date),
                resulted_at: resulted.then(|| collected + Duration::hours(3)),
                result_version: if !resulted || i % 9 == 0 {
                    None
                } else if i % 21 == 0 {
                    Some(2)
                } else {
                    Some(1)
                },
                corrected: resulted && i % 21 == 0,
                correction_reason: None,
                result_pending: false,
                assay: None,
                ct: None,
                loinc: None,
                jlac10: None,
                asymptomatic: false,
                specimen_id: if i % 291 == 0 {
                    " ".into()
                } else {
                    format!("S{i:07}")
                },
                flags,
                freeze_thaw_count: if i % 120 == 0 { 0 } else { 2 },
                // Every tube its own patient, as in the `report` bench; a
                // few without a key, and a few returning patients.
                patient_key: match i % 101 {
                    0 => String::new(),
                    1 => "K-returning".into(),
                    _ => format!("K{i:07}"),
                },
            }
        })
        .collect()
}
