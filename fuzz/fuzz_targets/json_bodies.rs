//! Arbitrary bytes as the JSON body of every HTTP API request that has one
//! (`web::Json<Object<T>>` in src/http/*.rs, and the optional bodies of
//! dispatch and receive), read as the handlers read them.
//!
//! A body is the first thing a client controls, so reading it and the
//! checks a handler runs on it before touching the store must never panic,
//! whatever the bytes. For each body type the target:
//!
//! - reads the bytes as `Object<T>` (the handlers' wrapper that accepts a
//!   JSON object only) and checks the wrapper changes nothing but that: it
//!   reads what `T` reads from an object, and refuses everything else;
//! - runs the handler's own checks when they are public (`check_text`,
//!   `KitEntry::normalised`, reading a kit label, the registration, kit,
//!   result, storage and packing rules), and mirrors the few private ones
//!   (`RegisterSpecimen::validate`, `check_party`, `when`, the scan check)
//!   from their public parts, so the values they pass on are exercised too;
//! - serialises what it read (bodies go to the audit log and, for a
//!   registration, into the canonical form that makes re-posting
//!   idempotent), reads that back and checks it is the same value (`==`
//!   where the type has it, and field by field; floats included,
//!   see `FLOAT_ULPS`).
//!
//! It also checks a few promises across modules: a kit entry normalised
//! twice is the same, a kit label's GTIN is a valid GTIN-14, and a scan the
//! API accepts is the frame a serial scanner's bytes would give, with the
//! same AIM identifier.
#![no_main]

use chrono::{DateTime, Duration, FixedOffset, Utc};
use chrono_tz::Tz;
use kentai::actions::kits::read_label;
use kentai::actions::locations::NewLocation;
use kentai::actions::packages::{
    AddSpecimen, Dispatch, NewConsultation, NewPackage, PackageChanges, Receive, Tick,
};
use kentai::actions::results::RecordResult;
use kentai::actions::specimens::RegisterSpecimen;
use kentai::actions::storage::StoreSpecimen;
use kentai::actions::users::{NewUserRequest, UserChange};
use kentai::actions::{check_optional_text, check_text, instant};
use kentai::domain::kits::{self as kit_rules, normalise_gtin, KitCheck, KitEntry};
use kentai::domain::packaging::{check_tick, Packer, Party};
use kentai::domain::registration::{self, Registration, SiblingSpecimen};
use kentai::domain::results::check_result_time;
use kentai::domain::storage::{check_placement, Placement};
use kentai::domain::timing::{collection_date, Onset};
use kentai::domain::{Decision, Policy, RuleCode, SpecimenType, StorageClass};
use kentai::http::scans::{aim_of, ScanRequest, MAX_SCAN_BYTES};
use kentai::http::Object;
use kentai_drivers::framing::{sniff_aim, Frame, FrameEvent, Framer, FramingConfig};
use libfuzzer_sys::fuzz_target;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;
use std::time::Instant;

/// kentai.toml's default site zone.
const TZ: Tz = chrono_tz::Asia::Tokyo;

/// A fixed "now" (2026-11-21 03:00 UTC), so that a finding reproduces.
fn now() -> DateTime<Utc> {
    DateTime::<Utc>::UNIX_EPOCH + Duration::seconds(1_795_143_600)
}

/// `actions::packages`' limit for slip texts.
const TEXT_MAX: usize = 200;

/// The body as a handler reads it, checking on the way that `Object<T>`
/// only refuses non-objects: from an object it reads what `T` reads.
fn body<T: DeserializeOwned + Serialize + Debug>(what: &str, data: &[u8]) -> Option<T> {
    let wrapped = serde_json::from_slice::<Object<T>>(data).map(|o| o.0);
    let plain = serde_json::from_slice::<T>(data);
    let object = data
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'{');
    match (&wrapped, &plain) {
        (Ok(w), Ok(p)) => {
            assert!(object, "{what}: Object<T> read a non-object");
            assert_eq!(
                json(what, w),
                json(what, p),
                "{what}: Object<T> read another value"
            );
        }
        (Ok(w), Err(e)) => panic!("{what}: Object<T> read {w:?} where T refuses: {e}"),
        (Err(e), Ok(_)) => assert!(!object, "{what}: Object<T> refused an object T reads: {e}"),
        (Err(_), Err(_)) => {}
    }
    wrapped.ok()
}

fn json<T: Serialize + Debug>(what: &str, value: &T) -> Vec<u8> {
    match serde_json::to_vec(value) {
        Ok(json) => json,
        Err(e) => panic!("{what}: {value:?} was read but does not serialise: {e}"),
    }
}

/// How many units in the last place a float may move on a round trip:
/// none. serde_json's default float parser was not exact (about one in ten
/// decimals of 17 digits or more read back one ULP off, so a `volume_ml` or
/// `dry_ice_kg` written out and read again changed; reproducers in
/// fuzz/regressions/json_bodies/float-round-trip-*.json); kentai now
/// enables serde_json's `float_roundtrip`.
const FLOAT_ULPS: u64 = 0;

/// Serialises `value`, reads it back as a body and checks it is the same
/// value (floats within `FLOAT_ULPS`); returns what was read back, and
/// whether it is exactly the same.
fn round_trip<T: DeserializeOwned + Serialize + Debug>(what: &str, value: &T) -> (T, bool) {
    let text = json(what, value);
    let again = match serde_json::from_slice::<Object<T>>(&text) {
        Ok(o) => o.0,
        Err(e) => panic!(
            "{what}: {value:?} serialises as {} which does not read back: {e}",
            String::from_utf8_lossy(&text)
        ),
    };
    // Compared as values (no text in between, so floats are exact).
    let tree = |v: &T| match serde_json::to_value(v) {
        Ok(tree) => tree,
        Err(e) => panic!("{what}: {v:?} does not serialise: {e}"),
    };
    let exact = same(what, "", &tree(value), &tree(&again));
    (again, exact)
}

/// Panics where `a` and `b` differ beyond a float's `FLOAT_ULPS`; false
/// where a float moved within them.
fn same(what: &str, at: &str, a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys = |m: &serde_json::Map<String, Value>| m.keys().cloned().collect::<Vec<_>>();
            assert_eq!(
                keys(x),
                keys(y),
                "{what}: other fields at {at:?} after a round trip"
            );
            x.iter()
                .map(|(k, v)| same(what, &format!("{at}.{k}"), v, &y[k]))
                .fold(true, |all, one| all && one)
        }
        (Value::Array(x), Value::Array(y)) => {
            assert_eq!(
                x.len(),
                y.len(),
                "{what}: {at} changed length on a round trip"
            );
            x.iter()
                .zip(y)
                .enumerate()
                .map(|(i, (v, w))| same(what, &format!("{at}[{i}]"), v, w))
                .fold(true, |all, one| all && one)
        }
        (Value::Number(x), Value::Number(y)) if x != y => {
            let (Some(f), Some(g)) = (x.as_f64(), y.as_f64()) else {
                panic!("{what}: {at} was {x} and is {y} after a round trip");
            };
            assert!(
                ulps(f, g) <= FLOAT_ULPS,
                "{what}: {at} was {f:e} and is {g:e} after a round trip ({} ULPs)",
                ulps(f, g)
            );
            false
        }
        _ => {
            assert_eq!(a, b, "{what}: {at} changed on a round trip");
            true
        }
    }
}

/// The distance between two finite floats in units in the last place.
fn ulps(a: f64, b: f64) -> u64 {
    let ordered = |x: f64| {
        let bits = x.to_bits() as i64;
        i128::from(if bits < 0 { i64::MIN - bits } else { bits })
    };
    u64::try_from((ordered(a) - ordered(b)).unsigned_abs()).unwrap_or(u64::MAX)
}

/// The same, and `==` for types that have it (unless a float moved).
fn round_trip_eq<T: DeserializeOwned + Serialize + Debug + PartialEq>(what: &str, value: &T) {
    let (again, exact) = round_trip(what, value);
    if exact {
        assert_eq!(&again, value, "{what}: not equal after a round trip");
    }
}

/// `actions::packages::when` (private): the time a request gives, now when
/// absent, refused beyond the clock-skew tolerance in the future.
fn when(at: Option<DateTime<FixedOffset>>, policy: &Policy) -> Option<DateTime<Utc>> {
    let now = now();
    let at = at.map_or(now, instant);
    (at <= now + Duration::minutes(policy.future_tolerance_minutes)).then_some(at)
}

/// `POST /api/v1/specimens`.
fn register(data: &[u8]) {
    let Some(req) = body::<RegisterSpecimen>("registration", data) else {
        return;
    };
    round_trip_eq("registration", &req);

    // RegisterSpecimen::validate (private), from the same public checks.
    let p = &req.patient;
    let texts_ok = check_text("patient.name", &p.name, 200).is_ok()
        && check_optional_text("patient.name_kana", p.name_kana.as_deref(), 200).is_ok()
        && check_optional_text("patient.address", p.address.as_deref(), 500).is_ok()
        && check_optional_text("patient.phone", p.phone.as_deref(), 40).is_ok()
        && check_optional_text("patient.patient_id", p.patient_id.as_deref(), 80).is_ok()
        && check_optional_text("override_reason", req.override_reason.as_deref(), 1000).is_ok();
    let kit_ok = req.kit.as_deref().is_none_or(|kit| {
        !kit.is_empty()
            && kit.chars().count() <= 200
            && !kit.chars().any(|c| c.is_control() && c != '\u{1d}')
    });
    let volume_ok = req
        .volume_ml
        .is_none_or(|v| v.is_finite() && v > 0.0 && v <= 100.0);
    let onset_ok = !(req.asymptomatic && req.onset_date.is_some());
    let birth_ok = p
        .birth_date
        .is_none_or(|b| b <= collection_date(req.collected_at.with_timezone(&Utc), TZ));
    if !(texts_ok && kit_ok && volume_ok && onset_ok && birth_ok) {
        return;
    }

    // specimens::register before its transaction.
    let collected_at = instant(req.collected_at);
    let day = collection_date(collected_at, TZ);
    let label = match req.kit.as_deref().map(|raw| read_label(raw, day)) {
        Some(Ok(label)) => label,
        Some(Err(_)) => return,
        None => None,
    };
    if let Some(label) = &label {
        assert_eq!(
            normalise_gtin(&label.gtin).as_ref(),
            Ok(&label.gtin),
            "a kit label's (01) is not a valid GTIN-14: {label:?}"
        );
        // The kit rules, as run in the transaction (with no catalog entry).
        let _ = kit_rules::evaluate(&KitCheck {
            label,
            entry: None,
            specimen_type: req.specimen_type,
            collection_date: day,
        });
    }

    // The registration rules, as run in the transaction, with one
    // respiratory sibling so the episode rule has times to compare.
    let mut ppe = req.ppe.clone();
    if let Some(ppe) = &mut ppe {
        ppe.sort();
        ppe.dedup();
    }
    let onset = match (req.onset_date, req.asymptomatic) {
        (Some(d), _) => Onset::On(d),
        (None, true) => Onset::Asymptomatic,
        (None, false) => Onset::Unknown,
    };
    let sibling = SiblingSpecimen {
        specimen_type: SpecimenType::NasopharyngealSwab,
        collected_at: now() - Duration::days(3),
    };
    let verdict = registration::evaluate(
        &Registration {
            specimen_type: req.specimen_type,
            collected_at,
            onset,
            ppe: ppe.as_deref(),
            override_reason: req.override_reason.as_deref(),
        },
        &[sibling],
        now(),
        TZ,
        &Policy::default(),
    );
    if let Onset::On(d) = onset {
        assert_eq!(
            verdict.days_since_onset,
            Some((day - d).num_days()),
            "days since onset is not the collection day minus the onset day"
        );
    }
}

/// `POST /api/v1/specimens/{id}/storage`.
fn store(data: &[u8]) {
    let Some(req) = body::<StoreSpecimen>("storage", data) else {
        return;
    };
    round_trip("storage", &req);
    if check_optional_text("override_reason", req.override_reason.as_deref(), 1000).is_err() {
        return;
    }
    // storage::record: the time, then the placement rules in the
    // transaction (here on a saliva tube collected two days ago).
    let at = req.at.map_or(now(), instant);
    for class in StorageClass::ALL {
        let _ = check_placement(
            SpecimenType::Saliva,
            now() - Duration::days(2),
            &[],
            Placement { class, at },
            now(),
            &Policy::default(),
        );
    }
}

/// `POST /api/v1/specimens/{id}/results`.
fn record_result(data: &[u8]) {
    let Some(req) = body::<RecordResult>("result", data) else {
        return;
    };
    round_trip("result", &req);
    let policy = Policy::default();
    let decision = check_result_time(
        now() - Duration::days(1),
        instant(req.resulted_at),
        now(),
        Duration::minutes(policy.future_tolerance_minutes),
    );
    if let Decision::Accept = decision {
        assert!(instant(req.resulted_at) <= now() + Duration::minutes(5));
    }
}

/// `POST /api/v1/locations`.
fn location(data: &[u8]) {
    let Some(req) = body::<NewLocation>("location", data) else {
        return;
    };
    round_trip_eq("location", &req);
    let _ = check_text("name", &req.name, 200);
}

/// `POST /api/v1/kits`.
fn kit(data: &[u8]) {
    let Some(req) = body::<KitEntry>("kit", data) else {
        return;
    };
    round_trip_eq("kit", &req);
    let Ok(entry) = req.normalised() else {
        return;
    };
    assert!(
        entry.gtin.len() == 14 && entry.gtin.bytes().all(|b| b.is_ascii_digit()),
        "a normalised GTIN is not 14 digits: {entry:?}"
    );
    assert_eq!(
        entry.normalised().as_ref(),
        Ok(&entry),
        "normalising a normalised kit entry changed it"
    );
    round_trip_eq("normalised kit", &entry);
}

/// `actions::packages::check_party` (private).
fn party_ok(p: &Party) -> bool {
    [&p.name, &p.address, &p.phone]
        .into_iter()
        .all(|v| v.is_empty() || check_text("consignee", v, TEXT_MAX).is_ok())
}

/// `actions::packages::check_packer` (private).
fn packer_ok(p: &Packer) -> bool {
    [&p.name, &p.certificate_id]
        .into_iter()
        .all(|v| v.is_empty() || check_text("packer", v, TEXT_MAX).is_ok())
}

/// `POST /api/v1/packages` and `PATCH /api/v1/packages/{id}`.
fn packages(data: &[u8]) {
    if let Some(req) = body::<NewPackage>("package", data) {
        round_trip("package", &req);
        let _ = party_ok(&req.consignee)
            && req.packer.as_ref().is_none_or(packer_ok)
            && check_optional_text("emergency_phone", req.emergency_phone.as_deref(), TEXT_MAX)
                .is_ok();
    }
    if let Some(req) = body::<PackageChanges>("package changes", data) {
        round_trip("package changes", &req);
        let _ = req.consignee.as_ref().is_none_or(party_ok)
            && req.packer.as_ref().is_none_or(packer_ok)
            && check_optional_text("emergency_phone", req.emergency_phone.as_deref(), TEXT_MAX)
                .is_ok();
    }
}

/// `POST /api/v1/packages/{id}/specimens`.
fn add_specimen(data: &[u8]) {
    let Some(req) = body::<AddSpecimen>("add specimen", data) else {
        return;
    };
    round_trip("add specimen", &req);
    let _ = check_text("specimen_id", &req.specimen_id, 80).is_ok()
        && check_optional_text("override_reason", req.override_reason.as_deref(), 1000).is_ok();
}

/// `POST /api/v1/packages/{id}/checklist`.
fn tick(data: &[u8]) {
    let Some(req) = body::<Tick>("tick", data) else {
        return;
    };
    round_trip("tick", &req);
    if req.done {
        let decision = check_tick(req.item, req.dry_ice_kg);
        if let Decision::Accept = decision {
            if let Some(kg) = req.dry_ice_kg {
                assert!(
                    kg > 0.0 && kg <= 200.0,
                    "{kg} kg of dry ice accepted for {:?}",
                    req.item
                );
            }
        }
        if let Decision::Refuse(n) = &decision {
            assert!(
                matches!(n.code, RuleCode::InvalidInput | RuleCode::DryIceInSecondary),
                "a tick refused as {:?}",
                n.code
            );
        }
    }
    let _ = req.item.per_tube();
}

/// `packages::optional_body` (private): blank is the default, anything
/// else must be an object.
fn optional_body<T: DeserializeOwned + Serialize + Debug + Default>(
    what: &str,
    data: &[u8],
) -> Option<T> {
    if data.iter().all(u8::is_ascii_whitespace) {
        return Some(T::default());
    }
    body(what, data)
}

/// `POST /api/v1/packages/{id}/dispatch` and `…/receive`, whose body may
/// be left out.
fn dispatch_and_receive(data: &[u8]) {
    let policy = Policy::default();
    if let Some(req) = optional_body::<Dispatch>("dispatch", data) {
        round_trip("dispatch", &req);
        if check_optional_text("override_reason", req.override_reason.as_deref(), 1000).is_ok() {
            let _ = when(req.at, &policy);
        }
    }
    if let Some(req) = optional_body::<Receive>("receive", data) {
        round_trip("receive", &req);
        if check_optional_text("note", req.note.as_deref(), 1000).is_ok() {
            let _ = when(req.at, &policy);
        }
    }
}

/// `POST /api/v1/specimens/{id}/consultations`.
fn consultation(data: &[u8]) {
    let Some(req) = body::<NewConsultation>("consultation", data) else {
        return;
    };
    round_trip("consultation", &req);
    if check_text("consulted_with", &req.consulted_with, TEXT_MAX).is_ok()
        && check_optional_text("note", req.note.as_deref(), 1000).is_ok()
    {
        let _ = when(req.at, &Policy::default());
    }
}

/// `POST /api/v1/scans`: the handler's check (private `check`), mirrored;
/// a scan it accepts must be the frame a serial `cr` scanner sending the
/// same bytes gives, with the same AIM identifier.
fn scan(data: &[u8]) {
    let Some(req) = body::<ScanRequest>("scan", data) else {
        return;
    };
    round_trip("scan", &req);
    let allowed =
        |c: char| !c.is_control() || matches!(c, '\u{1d}' | '\u{1e}' | '\u{1c}' | '\u{04}');
    let ok = !req.data.is_empty()
        && req.data.len() <= MAX_SCAN_BYTES
        && req.data.chars().all(allowed)
        && req
            .device
            .as_deref()
            .is_none_or(|d| check_text("device", d, 64).is_ok());
    let raw = req.data.as_bytes();
    let aim = aim_of(raw);
    assert_eq!(
        aim.as_deref().map(str::as_bytes),
        sniff_aim(raw).as_ref().map(|a| &a[..]),
        "the API and the framer read another AIM identifier from {raw:?}"
    );
    if !ok {
        return;
    }
    let mut framer = Framer::new(FramingConfig {
        max_len: MAX_SCAN_BYTES,
        ..FramingConfig::default()
    });
    let events = framer.push(&[raw, b"\r"].concat(), Instant::now());
    assert_eq!(
        events,
        [FrameEvent::Frame(Frame::from_bytes(raw.to_vec()))],
        "a scan the API accepts is not one serial frame"
    );
}

/// `POST /api/v1/users` and `PATCH /api/v1/users/{id}`.
fn users(data: &[u8]) {
    if let Some(req) = body::<NewUserRequest>("user", data) {
        round_trip("user", &req);
        let _ = check_text("name", &req.name, 64).is_ok() && req.name.trim() == req.name;
    }
    if let Some(req) = body::<UserChange>("user change", data) {
        round_trip("user change", &req);
    }
}

fuzz_target!(|data: &[u8]| {
    register(data);
    store(data);
    record_result(data);
    location(data);
    kit(data);
    packages(data);
    add_specimen(data);
    tick(data);
    dispatch_and_receive(data);
    consultation(data);
    scan(data);
    users(data);
});
