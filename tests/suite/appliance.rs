//! kentai as an installed service: the daily backup (a dated, checked
//! copy; older copies pruned by retention; other files left alone),
//! `kentai doctor` (✓/✗ with a fix, exit 1 when a check fails), the
//! systemd notifications (READY=1, the watchdog's pings), the first admin
//! kept out of the journal, and the admin page's system view.

use crate::common::*;
use std::os::unix::net::UnixDatagram;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const CONFIG: &str = include_str!("../../fixtures/site.toml");

fn kentai(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(args)
        .env("KENTAI_CONFIG", dir.join("kentai.toml"))
        .env(
            "KENTAI_DATABASE_URL",
            format!("sqlite://{}", dir.join("kentai.db").display()),
        )
        .env("LANG", "en_US.UTF-8")
        .current_dir(dir)
        .output()
        .expect("run kentai")
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn site(dir: &Path, extra: &str) {
    std::fs::write(dir.join("kentai.toml"), format!("{CONFIG}\n{extra}")).unwrap();
}

#[test]
fn the_daily_backup_writes_a_checked_dated_copy_and_prunes_past_retention_but_not_other_files() {
    let dir = tempfile::tempdir().unwrap();
    site(dir.path(), "[backup]\nkeep_daily = 2\nkeep_weekly = 0\n");
    let out = kentai(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    let backups = dir.path().join("backups");
    std::fs::create_dir_all(&backups).unwrap();
    for old in [
        "kentai-20261101T183000Z.db",
        "kentai-20261102T183000Z.db",
        "kentai-20261103T183000Z.db",
        "before-upgrade.db",
    ] {
        std::fs::write(backups.join(old), b"older copy").unwrap();
    }

    let out = kentai(dir.path(), &["backup", "--scheduled"]);
    assert!(out.status.success(), "{}", text(&out));

    let mut names: Vec<String> = std::fs::read_dir(&backups)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let new: Vec<&String> = names
        .iter()
        .filter(|n| n.starts_with("kentai-2") && !n.starts_with("kentai-202611"))
        .collect();
    assert_eq!(new.len(), 1, "{names:?}");
    // Two days kept: today's new copy and the newest older day's; the
    // copy put there by hand stays.
    assert!(
        names.contains(&"kentai-20261103T183000Z.db".to_string()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"kentai-20261102T183000Z.db".to_string()),
        "{names:?}"
    );
    assert!(
        !names.contains(&"kentai-20261101T183000Z.db".to_string()),
        "{names:?}"
    );
    assert!(
        names.contains(&"before-upgrade.db".to_string()),
        "{names:?}"
    );
    assert!(names.contains(&"status.json".to_string()), "{names:?}");
    let status: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backups.join("status.json")).unwrap()).unwrap();
    assert_eq!(status["ok"], true, "{status}");
    assert_eq!(status["pruned"], 2, "{status}");
    let copy = backups.join(new[0]);
    let conn = rusqlite_check(&copy);
    assert_eq!(conn, "ok");

    // `kentai doctor` reads the same folder.
    let out = kentai(dir.path(), &["doctor"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("✓ backups: newest "), "{}", text(&out));
}

fn rusqlite_check(path: &Path) -> String {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let mut c = diesel::SqliteConnection::establish(&path.display().to_string()).unwrap();
    diesel::sql_query("PRAGMA integrity_check")
        .load::<Line>(&mut c)
        .unwrap()
        .into_iter()
        .map(|l| l.integrity_check)
        .collect::<Vec<_>>()
        .join("; ")
}

#[test]
fn kentai_doctor_fails_with_a_fix_until_the_database_exists_then_passes() {
    let dir = tempfile::tempdir().unwrap();
    site(dir.path(), "");
    let out = kentai(dir.path(), &["doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("✓ configuration: read "), "{stdout}");
    assert!(stdout.contains("✗ database: "), "{stdout}");
    assert!(stdout.contains("does not exist yet"), "{stdout}");
    assert!(stdout.contains("    → starting the service"), "{stdout}");
    assert!(stdout.contains("checks failed"), "{stdout}");

    let out = kentai(dir.path(), &["migrate"]);
    assert!(out.status.success(), "{}", text(&out));
    let out = kentai(dir.path(), &["doctor"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for line in [
        "✓ database: ",
        "✓ schema: at this version's schema",
        "✓ database integrity: PRAGMA quick_check found nothing wrong",
        "free disk: ",
        "✓ time zone: Asia/Tokyo",
        "✓ clock: no scans recorded yet",
        // Nothing to lose yet: the first night's backup is only a note.
        "! backups: no backup yet",
        "✓ TLS certificate: HTTPS is off",
    ] {
        assert!(stdout.contains(line), "{line:?} in\n{stdout}");
    }

    // One JSON object a check, for monitoring.
    let out = kentai(dir.path(), &["doctor", "--json"]);
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 8, "{lines:?}");
    assert!(lines
        .iter()
        .any(|l| l["check"] == "schema" && l["verdict"] == "pass"));
}

#[test]
fn kentai_doctor_names_a_scanner_that_is_not_attached_and_a_configuration_that_does_not_load() {
    let dir = tempfile::tempdir().unwrap();
    site(
        dir.path(),
        "[[station]]\nname = \"reception-1\"\nworkflow = \"reception\"\n\n\
         [[scanner]]\nname = \"desk-9\"\nkind = \"serial\"\npath = \"/dev/kentai-test-absent\"\nstation = \"reception-1\"\n",
    );
    assert!(kentai(dir.path(), &["migrate"]).status.success());
    let out = kentai(dir.path(), &["doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("✗ scanner desk-9: /dev/kentai-test-absent is not attached"),
        "{stdout}"
    );
    assert!(stdout.contains("kentai devices"), "{stdout}");

    std::fs::write(
        dir.path().join("kentai.toml"),
        "[policy]\nsaliva_max_days = \"nine\"\n",
    )
    .unwrap();
    let out = kentai(dir.path(), &["doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with("✗ configuration: the configuration is wrong"),
        "{stdout}"
    );
    assert!(stdout.contains("kentai.example.toml"), "{stdout}");
}

/// Runs `kentai serve` as systemd would, listening on a notification
/// socket, until `until` has been seen among the notifications.
#[test]
fn under_systemd_the_server_says_ready_pings_the_watchdog_and_keeps_the_admin_token_out_of_the_journal(
) {
    let dir = tempfile::tempdir().unwrap();
    site(dir.path(), "");
    let socket_path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&socket_path).unwrap();
    socket
        .set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("KENTAI_CONFIG", dir.path().join("kentai.toml"))
        .env(
            "KENTAI_DATABASE_URL",
            format!("sqlite://{}", dir.path().join("kentai.db").display()),
        )
        .env("NOTIFY_SOCKET", &socket_path)
        .env("WATCHDOG_USEC", "400000")
        .env("JOURNAL_STREAM", "8:123456")
        .env("LANG", "en_US.UTF-8")
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut heard = Vec::new();
    let mut buf = [0u8; 512];
    while Instant::now() < deadline {
        if let Ok(n) = socket.recv(&mut buf) {
            heard.push(String::from_utf8_lossy(&buf[..n]).into_owned());
        }
        let ready = heard.iter().position(|m| m.lines().any(|l| l == "READY=1"));
        let pings = heard.iter().filter(|m| m.trim() == "WATCHDOG=1").count();
        if ready.is_some() && pings >= 2 {
            break;
        }
    }
    child.kill().unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let ready = heard
        .iter()
        .position(|m| m.lines().any(|l| l == "READY=1"))
        .unwrap_or_else(|| panic!("no READY=1 in {heard:?}\n{stderr}"));
    assert!(
        heard[ready].contains("STATUS=listening on 127.0.0.1:0"),
        "{heard:?}"
    );
    let pings = heard[ready..]
        .iter()
        .filter(|m| m.trim() == "WATCHDOG=1")
        .count();
    assert!(pings >= 2, "{heard:?}");
    // The journal gets no token: the admin sets a password instead.
    assert!(
        !stdout.contains("kt_") && !stderr.contains("kt_"),
        "{stdout}\n{stderr}"
    );
    assert!(stderr.contains("kentai user passwd admin"), "{stderr}");
    // The journal stamps lines itself.
    let first = stderr
        .lines()
        .find(|l| l.contains("kentai listening"))
        .unwrap_or("");
    assert!(first.trim_start().starts_with("INFO"), "{first}");
}

#[tokio::test]
async fn the_system_page_shows_every_check_and_warns_until_a_backup_is_made() {
    let backups = tempfile::tempdir().unwrap();
    let folder = backups.path().to_path_buf();
    let app = spawn_app_with(|c| c.backup.dir = Some(folder)).await;
    let postgres = app.ctx.config.database.starts_with("postgres");
    let session = app.sign_in(&app.admin).await;

    let (status, html) = app.page(&session, "/admin/system").await;
    assert_eq!(status, 200, "{html}");
    for heading in [
        "データベース",
        "スキーマ",
        "タイムゾーン",
        "時計",
        "バックアップ",
        "TLS 証明書",
    ] {
        assert!(
            html.contains(&format!("<th scope=\"row\">{heading}</th>")),
            "{heading} in {html}"
        );
    }
    assert!(html.contains("✓ 正常"), "{html}");
    let (_, overview) = app.page(&session, "/admin").await;
    if postgres {
        assert!(html.contains("PostgreSQL"), "{html}");
        assert!(!overview.contains("backup-warning"), "{overview}");
        return;
    }
    // Before the first specimen there is nothing to lose yet: the
    // system page notes it, the overview does not alarm.
    assert!(!overview.contains("backup-warning"), "{overview}");
    assert!(html.contains("まだバックアップはありません"), "{html}");
    let (status, body) = app
        .register(&app.admin, &registration("BK-0001", "saliva", 2))
        .await;
    assert_eq!(status, 201, "{body}");
    let (_, overview) = app.page(&session, "/admin").await;
    assert!(overview.contains("backup-warning"), "{overview}");
    assert!(overview.contains("バックアップがありません"), "{overview}");

    // The night's copy arrives: the warning goes, the newest is shown.
    let taken = chrono::Utc::now() - chrono::Duration::hours(2);
    let name = kentai::store::backup_schedule::file_name(taken);
    std::fs::write(backups.path().join(&name), vec![0u8; 2048]).unwrap();
    let (_, overview) = app.page(&session, "/admin").await;
    assert!(!overview.contains("backup-warning"), "{overview}");
    assert!(overview.contains("最新のバックアップ "), "{overview}");
    let (_, html) = app.page(&session, "/admin/system?lang=en").await;
    assert!(html.contains("2.0 KiB"), "{html}");
    assert!(html.contains("✓ OK"), "{html}");

    // Three days later it is stale again.
    let old = kentai::store::backup_schedule::file_name(taken - chrono::Duration::days(3));
    std::fs::remove_file(backups.path().join(&name)).unwrap();
    std::fs::write(backups.path().join(old), b"x").unwrap();
    let (_, overview) = app.page(&session, "/admin?lang=en").await;
    assert!(overview.contains("older than 26 hours"), "{overview}");
}

/// A loopback label printer that answers each connection's `~HS` with
/// `answer` (a connection that only probes closes without a word).
fn zpl_printer(answer: &'static [u8]) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            std::thread::spawn(move || {
                let mut asked = Vec::new();
                let mut buf = [0u8; 64];
                stream
                    .set_read_timeout(Some(Duration::from_secs(2)))
                    .unwrap();
                while let Ok(n) = stream.read(&mut buf) {
                    if n == 0 {
                        return;
                    }
                    asked.extend_from_slice(&buf[..n]);
                    if asked.windows(3).any(|w| w == b"~HS") {
                        let _ = stream.write_all(answer);
                        return;
                    }
                }
            });
        }
    });
    address
}

#[test]
fn kentai_doctor_reads_each_printers_status_and_fails_one_out_of_labels_or_away() {
    let ready = zpl_printer(b"\x02030,0,0,0245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n");
    let empty = zpl_printer(b"\x02030,1,0,0245,000,0,0,0,000,0,0,0\x03\r\n\x02000,0,0,0,0,2,4,0,00000000,1,000\x03\r\n\x021234,0\x03\r\n");
    let away = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().to_string()
    };
    let dir = tempfile::tempdir().unwrap();
    site(
        dir.path(),
        &format!(
            "[[printer]]\nname = \"lab-zebra\"\nkind = \"raw9100\"\naddress = \"{ready}\"\n\n\
             [[printer]]\nname = \"desk-zebra\"\nkind = \"raw9100\"\naddress = \"{empty}\"\n\n\
             [[printer]]\nname = \"office\"\nkind = \"raw9100\"\naddress = \"{away}\"\n"
        ),
    );
    assert!(kentai(dir.path(), &["migrate"]).status.success());
    let out = kentai(dir.path(), &["doctor"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(&format!("✓ printer lab-zebra: {ready} accepts connections")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "✗ printer desk-zebra: {empty} is out of paper (labels)"
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("✗ printer office: cannot reach {away}")),
        "{stdout}"
    );
}
