//! `kentai barcode parse` as the README describes it ("Commands"): scans from arguments or
//! one per line on stdin, one JSON object per line on stdout, exit status
//! 0 when every scan parsed and 2 when any did not (or on bad usage), with
//! a one-line message on stderr.

use serde_json::Value;
use std::io::Write as _;
use std::process::{Command, Output, Stdio};

const GS: &str = "\u{1d}";
const GTIN: &str = "09506000134352";

fn kentai() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kentai"));
    // Keep the developer's environment out of the test.
    c.env_remove("KENTAI_CONFIG")
        .env_remove("KENTAI_DATABASE_URL")
        .env_remove("KENTAI_LOG");
    c
}

fn run_with_stdin(mut cmd: Command, input: &[u8]) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start kentai");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input)
        .expect("write stdin");
    child.wait_with_output().expect("wait for kentai")
}

fn lines(out: &Output) -> Vec<Value> {
    String::from_utf8(out.stdout.clone())
        .expect("stdout is UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?}: {e}")))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn scans_given_as_arguments_print_one_json_object_each_in_the_documented_shape() {
    let d2 = format!("]d201{GTIN}17261231{GS}10ABC{GS}21XYZ");
    let out = kentai()
        .args(["barcode", "parse"])
        .arg(&d2)
        .arg(format!("(01){GTIN}(17)261231(10)ABC"))
        .arg(format!("https://id.gs1.org/01/{GTIN}/10/ABC?17=261231"))
        .arg("]C0ACC-2026-000123")
        .arg("ACC-7")
        .output()
        .expect("run kentai");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    // Field order as the README shows it.
    assert!(
        text.starts_with(&format!(
            r#"{{"ok":true,"gs1":true,"symbology":"]d2","element_string":"(01){GTIN}(17)261231(10)ABC(21)XYZ","elements":[{{"ai":"01","value":"{GTIN}"}},"#
        )),
        "{text}"
    );
    let v = lines(&out);
    assert_eq!(v.len(), 5);
    assert_eq!(v[0]["elements"].as_array().map(Vec::len), Some(4));
    assert_eq!(v[0]["elements"][3]["ai"], "21");
    assert_eq!(v[1]["symbology"], Value::Null);
    assert_eq!(
        v[1]["element_string"],
        format!("(01){GTIN}(17)261231(10)ABC")
    );
    assert_eq!(
        v[2]["element_string"],
        format!("(01){GTIN}(10)ABC(17)261231")
    );
    assert_eq!(
        v[3],
        serde_json::json!({"ok": true, "gs1": false, "symbology": "]C0", "text": "ACC-2026-000123"})
    );
    assert_eq!(
        v[4],
        serde_json::json!({"ok": true, "gs1": false, "symbology": null, "text": "ACC-7"})
    );
    assert!(out.stderr.is_empty(), "{}", stderr(&out));
}

#[test]
fn an_invalid_scan_prints_an_error_object_and_the_run_exits_2() {
    let out = kentai()
        .args(["barcode", "parse"])
        .arg(format!("]d201{GTIN}17260231"))
        .arg("ACC-7")
        .output()
        .expect("run kentai");
    assert_eq!(out.status.code(), Some(2));
    let v = lines(&out);
    assert_eq!(v.len(), 2, "every scan is still printed");
    assert_eq!(v[0]["ok"], false);
    assert_eq!(v[0]["error"]["code"], "invalid_barcode");
    assert_eq!(v[0]["error"]["ai"], "17");
    assert_eq!(v[0]["error"]["position"], 4);
    assert!(v[0]["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("illegal day")));
    assert_eq!(v[1]["ok"], true);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("1 of 2"), "{err}");
}

#[test]
fn stdin_gives_one_scan_a_line_with_gs_bytes_and_crlf_and_skips_empty_lines() {
    let mut input = Vec::new();
    input.extend_from_slice(format!("]d201{GTIN}10ABC{GS}21XYZ\r\n").as_bytes());
    input.extend_from_slice(b"\n");
    input.extend_from_slice(b"]C0ACC-1\r\n");
    input.extend_from_slice(format!("(01){GTIN}").as_bytes()); // no final newline
    let out = run_with_stdin(
        {
            let mut c = kentai();
            c.args(["barcode", "parse"]);
            c
        },
        &input,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = lines(&out);
    assert_eq!(v.len(), 3);
    assert_eq!(v[0]["element_string"], format!("(01){GTIN}(10)ABC(21)XYZ"));
    assert_eq!(v[1]["text"], "ACC-1");
    assert_eq!(v[2]["element_string"], format!("(01){GTIN}"));
}

#[test]
fn with_gs1_a_plain_code_is_an_error() {
    let out = run_with_stdin(
        {
            let mut c = kentai();
            c.args(["barcode", "parse", "--gs1"]);
            c
        },
        format!("]C0ACC-1\n]d201{GTIN}\n").as_bytes(),
    );
    assert_eq!(out.status.code(), Some(2));
    let v = lines(&out);
    assert_eq!(v[0]["ok"], false);
    assert!(v[0]["error"]["message"]
        .as_str()
        .is_some_and(|m| m.contains("not GS1")));
    assert_eq!(v[1]["ok"], true);
    assert_eq!(v[1]["gs1"], true);
}

#[test]
fn bytes_that_are_not_utf8_are_an_invalid_scan_not_a_crash() {
    let out = run_with_stdin(
        {
            let mut c = kentai();
            c.args(["barcode", "parse"]);
            c
        },
        b"]d2\xff\xfe\nACC-1\n",
    );
    assert_eq!(out.status.code(), Some(2));
    let v = lines(&out);
    assert_eq!(v.len(), 2);
    assert_eq!(v[0]["ok"], false);
    assert_eq!(v[0]["error"]["position"], 3);
    assert_eq!(v[1]["ok"], true);
}

#[cfg(unix)]
#[test]
fn an_argument_that_is_not_utf8_is_an_invalid_scan() {
    use std::os::unix::ffi::OsStrExt as _;
    let out = kentai()
        .args(["barcode", "parse"])
        .arg(std::ffi::OsStr::from_bytes(b"ACC\xff"))
        .output()
        .expect("run kentai");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(lines(&out)[0]["ok"], false);
}

#[test]
fn bad_usage_exits_2_with_one_line_on_stderr() {
    let out = kentai()
        .args(["barcode", "parse", "--nonsense"])
        .output()
        .expect("run kentai");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}

#[test]
fn a_broken_configuration_file_does_not_stop_barcode_parsing() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("kentai.toml"), "this is [not toml").expect("write");
    let out = kentai()
        .current_dir(dir.path())
        .args(["barcode", "parse", "ACC-1"])
        .output()
        .expect("run kentai");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(lines(&out)[0]["text"], "ACC-1");
}
