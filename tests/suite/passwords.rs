//! People sign in with a login name and a password: Argon2id hashes with
//! their parameters, a one-time password from an admin changed before any
//! page opens, wrong passwords limited, and the command line that sets
//! them.

use crate::common::*;
use kentai::actions::{passwords, Actor};
use kentai::domain::roles::Role;
use std::io::Write;
use std::process::{Command, Stdio};

/// Posts the sign-in form with a name and a password.
async fn post_password(app: &TestApp, name: &str, password: &str) -> reqwest::Response {
    let (cookie, csrf) = app.sign_in_form().await;
    app.browser()
        .post(app.url("/signin"))
        .header("cookie", format!("kentai_signin={cookie}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", name),
            ("password", password),
        ])
        .send()
        .await
        .expect("sign in")
}

/// Signs in with a name and password; the session.
async fn sign_in_with_password(app: &TestApp, name: &str, password: &str) -> WebSession {
    let res = post_password(app, name, password).await;
    assert_eq!(res.status().as_u16(), 303, "{name} signs in");
    let id = crate::common::set_cookie_value(&res, "kentai_session").expect("session cookie");
    WebSession {
        id,
        csrf: String::new(),
    }
}

/// The stored hash of `name`'s password.
fn stored_hash(app: &TestApp, name: &str) -> Option<String> {
    use diesel::prelude::*;
    use kentai::store::schema::users;
    app.ctx
        .store
        .read(|c| {
            users::table
                .filter(users::name.eq(name))
                .select(users::password_hash)
                .first::<Option<String>>(c)
                .map_err(kentai::actions::ActionError::from)
        })
        .expect("the user")
}

/// A user of `role` named `name`, with `password`.
fn person(app: &TestApp, name: &str, role: Role, password: &str) {
    kentai::actions::users::create_user(
        &app.ctx,
        &Actor::system(),
        &kentai::actions::users::NewUserRequest {
            name: name.into(),
            role,
            facilities: Vec::new(),
        },
    )
    .expect("create");
    passwords::set_by_name(&app.ctx, &Actor::system(), name, password).expect("password");
}

#[tokio::test]
async fn a_clerk_signs_in_with_name_and_password_stored_as_argon2id_with_its_parameters() {
    let app = spawn_app().await;
    person(&app, "suzuki", Role::Reception, "vivid-otter-42");
    let hash = stored_hash(&app, "suzuki").expect("a hash");
    assert!(
        hash.starts_with("$argon2id$v=19$m=65536,t=2,p=1$"),
        "Argon2id with its parameters: {hash}"
    );
    assert!(!hash.contains("vivid"), "{hash}");

    let session = sign_in_with_password(&app, "suzuki", "vivid-otter-42").await;
    let (status, page) = app.page(&session, "/stations").await;
    assert_eq!(status, 200);
    assert!(page.contains("ログイン中: suzuki"), "{page}");

    // The form asks for the name and the password, in Japanese.
    let res = app
        .browser()
        .get(app.url("/signin"))
        .send()
        .await
        .expect("form");
    let form = res.text().await.expect("page");
    for words in [
        "ログイン名",
        "パスワード",
        r#"name="name""#,
        r#"name="password""#,
    ] {
        assert!(form.contains(words), "{words}: {form}");
    }

    for (name, password) in [
        ("suzuki", "vivid-otter-43"),
        ("nobody", "vivid-otter-42"),
        ("suzuki", ""),
    ] {
        let res = post_password(&app, name, password).await;
        assert_eq!(res.status().as_u16(), 401, "{name} / {password:?}");
        assert!(crate::common::set_cookie_value(&res, "kentai_session").is_none());
        let page = res.text().await.expect("page");
        assert!(page.contains("ログイン名かパスワードが違います"), "{page}");
    }
}

#[tokio::test]
async fn wrong_passwords_for_one_name_are_limited_and_the_right_one_still_waits() {
    let app = spawn_app_with(|c| {
        c.security.auth_failures_per_minute = 3;
    })
    .await;
    person(&app, "tanaka", Role::Lab, "quiet-harbor-77");
    let mut statuses = Vec::new();
    for n in 0..6 {
        let res = post_password(&app, "tanaka", &format!("guess-number-{n:02}")).await;
        statuses.push(res.status().as_u16());
    }
    assert_eq!(statuses[0], 401, "{statuses:?}");
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    let res = post_password(&app, "tanaka", "quiet-harbor-77").await;
    assert_eq!(
        res.status().as_u16(),
        429,
        "a name that keeps failing is refused before its password is tried"
    );
    let page = res.text().await.expect("page");
    assert!(page.contains("間違いが続いたため"), "{page}");
    // Another person at the same desk is not locked out by tanaka's name.
    person(&app, "sato", Role::Lab, "amber-meadow-31");
    let res = post_password(&app, "sato", "amber-meadow-31").await;
    assert_eq!(res.status().as_u16(), 303);
}

#[tokio::test]
async fn a_one_time_password_from_the_admin_page_must_be_changed_before_anything_else() {
    let app = spawn_app().await;
    let admin = app.sign_in(&app.admin).await;
    kentai::actions::users::create_user(
        &app.ctx,
        &Actor::system(),
        &kentai::actions::users::NewUserRequest {
            name: "yamada".into(),
            role: Role::Reception,
            facilities: Vec::new(),
        },
    )
    .expect("create");
    let (_, users) = app.get("/api/v1/users", &app.admin).await;
    let id = users
        .as_array()
        .and_then(|u| u.iter().find(|u| u["name"] == "yamada"))
        .and_then(|u| u["id"].as_i64())
        .expect("yamada's id");

    let (status, _, page) = app
        .submit(
            &admin,
            &format!("/admin/users/{id}/password"),
            &[("csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("一時パスワードを発行しました"), "{page}");
    let one_time = page
        .split(r#"id="one-time-password">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the one-time password on the page")
        .to_string();
    assert_eq!(one_time.len(), 19, "{one_time}");

    let session = sign_in_with_password(&app, "yamada", &one_time).await;
    for path in ["/stations", "/specimens", "/"] {
        let res = app.get_with_session(&session, path).await;
        assert_eq!(res.status().as_u16(), 303, "{path}");
        assert_eq!(location(&res), "/account/password", "{path}");
    }
    let res = app
        .browser()
        .get(app.url("/api/v1/specimens?limit=1"))
        .header("cookie", session.cookie())
        .send()
        .await
        .expect("api");
    assert_eq!(
        res.status().as_u16(),
        403,
        "the API refuses the session too"
    );

    let (status, page) = app.page(&session, "/account/password").await;
    assert_eq!(status, 200);
    assert!(page.contains("一時パスワードでログインしました"), "{page}");
    let csrf = form_value(&page, "csrf").expect("csrf");
    let change = |current: &str, new: &str, again: &str| {
        vec![
            ("csrf".to_string(), csrf.clone()),
            ("current_password".to_string(), current.to_string()),
            ("password".to_string(), new.to_string()),
            ("password_again".to_string(), again.to_string()),
        ]
    };
    let cases = [
        (change(&one_time, "short", "short"), "12文字以上"),
        (
            change(&one_time, "password1234", "password1234"),
            "よく使われていて",
        ),
        (
            change(&one_time, "yamada-2026!", "yamada-2026!"),
            "ログイン名を含む",
        ),
        (
            change("wrong-one-time", "calm-river-58", "calm-river-58"),
            "今のパスワードが違います",
        ),
        (
            change(&one_time, "calm-river-58", "calm-river-59"),
            "一致しません",
        ),
    ];
    for (form, words) in cases {
        let fields: Vec<(&str, &str)> =
            form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let (status, _, page) = app.submit(&session, "/account/password", &fields).await;
        assert_eq!(status, 400, "{words}: {page}");
        assert!(page.contains(words), "{words}: {page}");
        let still = app.get_with_session(&session, "/stations").await;
        assert_eq!(still.status().as_u16(), 303, "nothing changed: {words}");
    }
    let form = change(&one_time, "calm-river-58", "calm-river-58");
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, to, _) = app.submit(&session, "/account/password", &fields).await;
    assert_eq!((status, to.as_str()), (303, "/"));
    let (status, _) = app.page(&session, "/stations").await;
    assert_eq!(
        status, 200,
        "the pages open once the password is the person's own"
    );

    let res = post_password(&app, "yamada", &one_time).await;
    assert_eq!(res.status().as_u16(), 401, "the one-time password is gone");
    sign_in_with_password(&app, "yamada", "calm-river-58").await;

    // A new one-time password ends the sessions the person had.
    let (status, _, _) = app
        .submit(
            &admin,
            &format!("/admin/users/{id}/password"),
            &[("csrf", &admin.csrf)],
        )
        .await;
    assert_eq!(status, 200);
    let res = app.get_with_session(&session, "/stations").await;
    assert_eq!(res.status().as_u16(), 303);
    assert!(location(&res).starts_with("/signin"), "{}", location(&res));
}

/// `kentai` on a fresh SQLite database in `dir`, with `stdin`.
fn kentai(dir: &std::path::Path, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_kentai"))
        .args(["--config"])
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/site.toml"))
        .args(["--database"])
        .arg(format!("sqlite://{}", dir.join("kentai.db").display()))
        .args(args)
        .env("LANG", "ja_JP.UTF-8")
        .env_remove("KENTAI_CONFIG")
        .env_remove("KENTAI_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("kentai");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("kentai ends")
}

#[test]
fn the_command_line_sets_passwords_from_standard_input_and_refuses_weak_ones() {
    let dir = tempfile::tempdir().expect("tempdir");
    let add = |name: &str, password: &str| {
        kentai(
            dir.path(),
            &[
                "user",
                "add",
                name,
                "--role",
                "reception",
                "--password-stdin",
            ],
            &format!("{password}\n"),
        )
    };
    let weak = add("kato", "password1234");
    assert_eq!(weak.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&weak.stderr).contains("よく使われていて"),
        "{}",
        String::from_utf8_lossy(&weak.stderr)
    );
    let made = add("kato", "bright-lantern-19");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let said = String::from_utf8_lossy(&made.stdout);
    assert!(said.contains("パスワード付きで作りました"), "{said}");
    assert!(!said.contains("kt_"), "no token is printed: {said}");

    let again = add("kato", "bright-lantern-19");
    assert_eq!(again.status.code(), Some(2), "the name is taken");

    let short = kentai(dir.path(), &["user", "passwd", "kato"], "tiny\n");
    assert_eq!(short.status.code(), Some(2));
    let nobody = kentai(
        dir.path(),
        &["user", "passwd", "nobody"],
        "bright-lantern-20\n",
    );
    assert_eq!(nobody.status.code(), Some(2));
    let set = kentai(
        dir.path(),
        &["user", "passwd", "kato"],
        "bright-lantern-20\r\n",
    );
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    assert!(
        String::from_utf8_lossy(&set.stdout).contains("パスワードを設定しました"),
        "{}",
        String::from_utf8_lossy(&set.stdout)
    );

    use diesel::prelude::*;
    let mut c = SqliteConnection::establish(&dir.path().join("kentai.db").display().to_string())
        .expect("db");
    let (hash, must_change): (Option<String>, bool) = kentai::store::schema::users::table
        .filter(kentai::store::schema::users::name.eq("kato"))
        .select((
            kentai::store::schema::users::password_hash,
            kentai::store::schema::users::password_must_change,
        ))
        .first(&mut c)
        .expect("kato");
    let hash = hash.expect("a hash");
    assert!(
        kentai::passwords::verify(&hash, "bright-lantern-20"),
        "CR LF is a line end"
    );
    assert!(!must_change);
}
