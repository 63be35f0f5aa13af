//! The patient page: who the patient is now, every version of it, their
//! specimens, and (for the lab and admin) the correction form.
//!
//! A correction changes what every report of the patient shows, so it is
//! made here on purpose, with a reason, never by a registration; the page
//! keeps the earlier versions in view beside the form.

use super::desks::{answer, checked_form, forbidden, not_found, open, Place};
use super::layout::{column_heads, time_tag, Section};
use super::text::patients::{self as words, patients as texts, PatientsText};
use super::text::specimens::sex_label;
use super::text::Lang;
use super::{encode_path_segment, encode_query_value, run_action, see_other, SignedIn};
use crate::actions::patients::{self, PatientCorrection, PatientRecord};
use crate::actions::{ActionError, Ctx};
use crate::domain::patient::Sex;
use crate::domain::roles::Action;
use crate::http::AppError;
use crate::web::form_or_page;
use crate::web::RecordForm;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use maud::{html as markup, Markup};
use serde::Deserialize;

/// The page's address for patient `id`.
pub fn patient_path(id: &str) -> String {
    format!("/patients/{}", encode_path_segment(id))
}

/// The correction form as posted: every identity field as the person
/// left it, and the reason.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CorrectionForm {
    csrf: String,
    name: String,
    name_kana: String,
    birth_date: String,
    sex: String,
    address: String,
    phone: String,
    reason: String,
}

impl CorrectionForm {
    fn of(p: &PatientRecord) -> CorrectionForm {
        CorrectionForm {
            name: p.identity.name.clone(),
            name_kana: p.identity.name_kana.clone().unwrap_or_default(),
            birth_date: p
                .identity
                .birth_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            sex: p.identity.sex.code().to_string(),
            address: p.identity.address.clone().unwrap_or_default(),
            phone: p.identity.phone.clone().unwrap_or_default(),
            ..CorrectionForm::default()
        }
    }

    /// What differs from the record, as the API's correction: a field
    /// emptied is cleared, a field left as it was is not sent.
    fn correction(&self, p: &PatientRecord) -> Result<PatientCorrection, ActionError> {
        fn text(v: &str) -> Option<String> {
            let v = v.trim();
            (!v.is_empty()).then(|| v.to_string())
        }
        fn changed<T: PartialEq + Clone>(now: &Option<T>, new: Option<T>) -> Option<Option<T>> {
            (*now != new).then_some(new)
        }
        let birth_date = match text(&self.birth_date) {
            None => None,
            Some(d) => Some(NaiveDate::parse_from_str(&d, "%Y-%m-%d").map_err(|_| {
                ActionError::invalid(crate::domain::messages::InputMsg::FieldEmpty {
                    field: "patient.birth_date".into(),
                })
            })?),
        };
        let sex = Sex::from_code(&self.sex).unwrap_or(Sex::Unknown);
        let name = self.name.trim().to_string();
        Ok(PatientCorrection {
            name: (name != p.identity.name).then_some(name),
            name_kana: changed(&p.identity.name_kana, text(&self.name_kana)),
            birth_date: changed(&p.identity.birth_date, birth_date),
            sex: (sex != p.identity.sex).then_some(sex),
            address: changed(&p.identity.address, text(&self.address)),
            phone: changed(&p.identity.phone, text(&self.phone)),
            reason: self.reason.clone(),
        })
    }
}

/// `GET /patients/{patient_id}`.
pub async fn page(
    req: HttpRequest,
    user: SignedIn,
    ctx: web::Data<Ctx>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    if let Some(refused) = open(&req, &user, Section::Specimens) {
        return Ok(refused);
    }
    let id = path.into_inner();
    let lookup = id.clone();
    let found = run_action(&ctx, &user.session.actor, move |ctx, actor, _| {
        patients::get(ctx, actor, &lookup)
    })
    .await?;
    let record = match found {
        Ok(r) => r,
        Err(ActionError::NotFound(_)) => return Ok(not_found_page(&req, &user)),
        Err(e) => return Err(e.into()),
    };
    let done = web::Query::<Done>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().done);
    let form = CorrectionForm::of(&record);
    Ok(draw(
        &req,
        &user,
        StatusCode::OK,
        &record,
        &form,
        Note::from(done),
    ))
}

#[derive(Deserialize)]
struct Done {
    done: Option<String>,
}

/// What the page says above the form.
enum Note {
    None,
    Done(&'static str),
    Refused(Box<AppError>),
}

impl Note {
    fn from(done: Option<String>) -> Note {
        match done.as_deref() {
            Some("corrected") => Note::Done("corrected"),
            Some("unchanged") => Note::Done("unchanged"),
            _ => Note::None,
        }
    }
}

/// `POST /patients/{patient_id}`: the correction form.
pub async fn correct((req, user, ctx, path, body): RecordForm) -> Result<HttpResponse, AppError> {
    let form: CorrectionForm = form_or_page!(checked_form(
        &req,
        &user,
        &body,
        Section::Specimens,
        forbidden,
        |f: &CorrectionForm| &f.csrf,
    ));
    if !user.session.actor.role.may(Action::CorrectPatients) {
        return Ok(forbidden(&req, super::lang(&req), Some(&user.session)));
    }
    let id = path.into_inner();
    let (lookup, posted) = (id.clone(), form.clone());
    let outcome = run_action(&ctx, &user.session.actor, move |ctx, actor, now| {
        let record = patients::get(ctx, actor, &lookup)?;
        let change = posted.correction(&record)?;
        if !change.names_a_field() {
            // The form as the page filled it: nothing to correct.
            return Ok(false);
        }
        patients::correct(ctx, actor, &lookup, &change, now).map(|c| c.created)
    })
    .await?;
    match outcome {
        Ok(created) => {
            let done = if created { "corrected" } else { "unchanged" };
            Ok(see_other(&format!(
                "{}?done={done}#versions-title",
                patient_path(&id)
            )))
        }
        Err(ActionError::NotFound(_)) => Ok(not_found_page(&req, &user)),
        Err(e) => {
            let app = AppError::from(e);
            if app.status.is_server_error() {
                return Err(app);
            }
            let lookup = id.clone();
            let record = run_action(&ctx, &user.session.actor, move |ctx, actor, _| {
                patients::get(ctx, actor, &lookup)
            })
            .await??;
            Ok(draw(
                &req,
                &user,
                app.status,
                &record,
                &form,
                Note::Refused(Box::new(app)),
            ))
        }
    }
}

fn not_found_page(req: &HttpRequest, user: &SignedIn) -> HttpResponse {
    not_found(req, super::lang(req), Some(&user.session))
}

fn value_or_none(w: &PatientsText, value: Option<String>) -> Markup {
    match value {
        Some(v) if !v.is_empty() => markup! { (v) },
        _ => markup! { span class="none" { (w.not_recorded) } },
    }
}

fn draw(
    req: &HttpRequest,
    user: &SignedIn,
    status: StatusCode,
    p: &PatientRecord,
    form: &CorrectionForm,
    note: Note,
) -> HttpResponse {
    let lang = super::lang(req);
    let w = texts(lang);
    let id = p.identity.patient_id.clone().unwrap_or_default();
    let may_correct = user.session.actor.role.may(Action::CorrectPatients);
    let title = format!("{} {id}", w.title);
    let body = markup! {
        div class="patient-page" {
            h1 { (w.title) " " code { (id) } }
            section aria-labelledby="current-title" {
                h2 id="current-title" {
                    (w.current_title) " "
                    span class="version" { (w.version_value.replace("{n}", &p.version.to_string())) }
                    @if p.corrected { " " span class="badge corrected" { (w.corrected_badge) } }
                }
                dl class="facts" {
                    dt { (w.name) } dd { (p.identity.name) }
                    dt { (w.name_kana) } dd { (value_or_none(w, p.identity.name_kana.clone())) }
                    dt { (w.birth_date) } dd { (value_or_none(w, p.identity.birth_date.map(|d| d.to_string()))) }
                    dt { (w.sex) } dd { (sex_label(lang, p.identity.sex)) }
                    dt { (w.address) } dd { (value_or_none(w, p.identity.address.clone())) }
                    dt { (w.phone) } dd { (value_or_none(w, p.identity.phone.clone())) }
                    dt { (w.facility) } dd { code { (p.facility_code) } }
                }
            }
            (note_block(lang, w, &note))
            @if may_correct {
                (correction_form(lang, w, user, &id, form, &note))
            }
            (versions_table(lang, w, p))
            section aria-labelledby="specimens-title" {
                h2 id="specimens-title" { (w.specimens_title) }
                @if p.specimens.is_empty() {
                    p { (w.no_specimens) }
                } @else {
                    ul class="patient-specimens" {
                        @for s in &p.specimens {
                            li { a href={ "/specimens/" (encode_query_value(s)) } { code { (s) } } }
                        }
                    }
                }
            }
        }
    };
    let path = patient_path(&id);
    let place = Place::of(lang, &path, &user.session, Section::Specimens);
    answer(req, status, &place, &title, body)
}

fn note_block(lang: Lang, w: &PatientsText, note: &Note) -> Markup {
    markup! {
        @match note {
            Note::None => {},
            Note::Done(kind) => div class="done" role="status" {
                (if *kind == "corrected" { w.corrected_done } else { w.unchanged_done })
            },
            Note::Refused(e) => div class="error" role="alert" id="form-error" tabindex="-1" {
                p { (e.code().title(lang)) }
                p class="detail" { (e.message().render(lang)) }
                p class="detail" { (w.error_code) ": " code { (e.code().as_str()) } }
            },
        }
    }
}

/// The field at fault in a refused correction, for the form to mark.
fn fault(note: &Note) -> Option<String> {
    match note {
        Note::Refused(e) => e
            .body
            .error
            .field
            .as_deref()
            .map(|f| f.trim_start_matches("patient.").to_string()),
        _ => None,
    }
}

fn correction_form(
    lang: Lang,
    w: &PatientsText,
    user: &SignedIn,
    id: &str,
    form: &CorrectionForm,
    note: &Note,
) -> Markup {
    let fault = fault(note);
    let invalid = |field: &str| (fault.as_deref() == Some(field)).then_some("true");
    let sexes = [Sex::Unknown, Sex::Male, Sex::Female, Sex::Other];
    // (element id, field, label, input type, value, layout class)
    let inputs = [
        ("p-name", "name", w.name, "text", &form.name, "field"),
        (
            "p-kana",
            "name_kana",
            w.name_kana,
            "text",
            &form.name_kana,
            "field",
        ),
        (
            "p-birth",
            "birth_date",
            w.birth_date,
            "date",
            &form.birth_date,
            "field",
        ),
        ("p-phone", "phone", w.phone, "tel", &form.phone, "field"),
        (
            "p-address",
            "address",
            w.address,
            "text",
            &form.address,
            "field wide",
        ),
    ];
    markup! {
        section aria-labelledby="correct-title" class="patient-correct" {
            h2 id="correct-title" { (w.correct_title) }
            p class="hint" { (w.correct_intro) }
            form method="post" action=(patient_path(id)) autocomplete="off" {
                input type="hidden" name="csrf" value=(user.session.csrf);
                div class="field-grid" {
                    @for (id, field, label, kind, value, class) in inputs {
                        div class=(class) {
                            label for=(id) { (label) }
                            input id=(id) name=(field) type=(kind) value=(value)
                                required[field == "name"] aria-invalid=[invalid(field)];
                        }
                    }
                    div class="field" {
                        label for="p-sex" { (w.sex) }
                        select id="p-sex" name="sex" {
                            @for s in sexes {
                                option value=(s.code()) selected[form.sex == s.code()] { (sex_label(lang, s)) }
                            }
                        }
                    }
                    div class="field wide" {
                        label for="p-reason" { (w.reason) }
                        textarea id="p-reason" name="reason" required rows="2"
                            aria-describedby="p-reason-hint" aria-invalid=[invalid("reason")] { (form.reason) }
                        p id="p-reason-hint" class="hint" { (w.reason_hint) }
                    }
                }
                button type="submit" class="primary" { (w.correct_button) }
            }
        }
    }
}

fn versions_table(lang: Lang, w: &PatientsText, p: &PatientRecord) -> Markup {
    markup! {
        section aria-labelledby="versions-title" {
            h2 id="versions-title" tabindex="-1" { (w.versions_title) }
            div class="table-scroll" {
                table class="data versions" {
                    thead { (column_heads(&[w.col_version, w.col_kind, w.col_identity, w.col_changed, w.col_reason, w.col_by, w.col_at])) }
                    tbody {
                        @for v in p.versions.iter().rev() {
                            tr {
                                td { (v.version) }
                                td { (words::kind_label(lang, &v.kind)) }
                                td {
                                    (v.name)
                                    @if let Some(k) = &v.name_kana { " (" (k) ")" }
                                    br;
                                    (v.birth_date.map(|d| d.to_string()).unwrap_or_default())
                                    " · " (sex_label(lang, v.sex))
                                    @if let Some(a) = &v.address { br; (a) }
                                    @if let Some(t) = &v.phone { br; (t) }
                                }
                                td {
                                    @for (i, f) in v.changed.iter().enumerate() {
                                        @if i > 0 { "、" }
                                        (words::field_label(lang, f))
                                    }
                                }
                                td { (v.reason.clone().unwrap_or_default()) }
                                td { (v.changed_by) }
                                td { (time_tag(&v.changed_at)) }
                            }
                        }
                    }
                }
            }
        }
    }
}
