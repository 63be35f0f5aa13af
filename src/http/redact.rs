//! What a request says about a patient kept out of messages and logs.
//!
//! serde quotes the value it could not read (`invalid type: string
//! "山田太郎", expected …`), and that text reaches the answer's message and,
//! through the access log's error line, the log at DEBUG. Query strings
//! carry patient numbers and searched names (`?patient_id=…`, `?q=…`), and
//! the patient routes carry the patient number in the path. Here the
//! values are cut out: the field names, positions and expected types stay,
//! so a client still learns what to fix.
//!
//! The error an answer was made from is dropped before the access log sees
//! it (actix's logger prints it at DEBUG, with every value it holds): the
//! answer's body already says what went wrong, and failures of the server
//! itself are logged where they happen.
//!
//! A specimen id, a location code or a package id in a path is kept: it
//! names a tube, a shelf or a box, not a person. A patient number
//! (`/api/v1/patients/{patient_id}`, `/patients/{patient_id}`) identifies
//! a person and is masked.

use actix_web::body::MessageBody;
use actix_web::dev::{Response, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::HttpResponse;

/// What stands where a value was cut out.
pub const MASK: &str = "…";

/// A serde (JSON, query, path or form) error's text without the values
/// it quotes: double-quoted strings anywhere, and the backquoted value
/// of `invalid type`, `invalid value`, `unknown variant` (before
/// `, expected`, which lists the schema's own words). An unknown field
/// keeps its name when it looks like one (ASCII letters, digits, `_`).
pub fn serde_detail(text: &str) -> String {
    const VALUE_PHRASES: [&str; 4] = [
        "invalid type: ",
        "invalid value: ",
        "unknown variant ",
        "unknown field ",
    ];
    let start = VALUE_PHRASES
        .iter()
        .filter_map(|p| text.find(p))
        .min()
        .unwrap_or(text.len());
    let end = text[start..]
        .find(", expected")
        .map_or(text.len(), |i| start + i);
    let keep_field_name = text[start..].starts_with("unknown field ");
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => {
                // A Debug-quoted string: up to the next unescaped quote.
                let mut escaped = false;
                for (_, d) in chars.by_ref() {
                    if escaped {
                        escaped = false;
                    } else if d == '\\' {
                        escaped = true;
                    } else if d == '"' {
                        break;
                    }
                }
                out.push_str(MASK);
            }
            '`' if (start..end).contains(&i) => {
                let mut quoted = String::new();
                for (_, d) in chars.by_ref() {
                    if d == '`' {
                        break;
                    }
                    quoted.push(d);
                }
                if keep_field_name && crate::domain::text::looks_like_code(&quoted) {
                    out.push('`');
                    out.push_str(&quoted);
                    out.push('`');
                } else {
                    out.push_str(MASK);
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// The path with a patient number masked (`/api/v1/patients/…`): the
/// segment after `patients` in the API and on the pages.
pub fn path(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        let patient_number = !segment.is_empty()
            && matches!(
                out.as_slice(),
                ["", "patients"] | ["", "api", "v1", "patients"]
            );
        out.push(if patient_number { MASK } else { segment });
    }
    out.join("/")
}

/// The query's keys with every value cut out (`patient_id=…&date=…`);
/// a key that does not look like one is cut out too.
pub fn query(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = match pair.split_once('=') {
                Some((k, _)) => (k, Some(MASK)),
                None => (pair, None),
            };
            let key = if crate::domain::text::looks_like_code(key) {
                key
            } else {
                MASK
            };
            match value {
                Some(v) => format!("{key}={v}"),
                None => key.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The access log's request line: method, path (a patient number masked)
/// and query keys without their values, and the HTTP version.
pub fn request_line(req: &ServiceRequest) -> String {
    let mut line = format!("{} {}", req.method(), path(req.path()));
    let q = req.query_string();
    if !q.is_empty() {
        line.push('?');
        line.push_str(&query(q));
    }
    line.push_str(&format!(" {:?}", req.version()));
    line
}

/// The middleware (`middleware::from_fn(redact::forget_error)`, inside
/// the logger) that answers with the error's response but without the
/// error itself, so the logger has nothing of the request to print.
pub async fn forget_error<B: MessageBody + 'static>(
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let res = next.call(req).await?;
    if res.response().error().is_none() {
        return Ok(res);
    }
    let (req, res) = res.into_parts();
    let bare: Response<B> = res.into();
    Ok(ServiceResponse::new(req, HttpResponse::from(bare)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_type_error_keeps_the_expected_type_and_drops_the_value() {
        let text = r#"invalid type: string "山田 \"太郎\" 東京都", expected struct PatientIn at line 1 column 40"#;
        assert_eq!(
            serde_detail(text),
            "invalid type: string …, expected struct PatientIn at line 1 column 40"
        );
        assert_eq!(
            serde_detail("invalid type: integer `312345678`, expected a string at line 1 column 9"),
            "invalid type: integer …, expected a string at line 1 column 9"
        );
    }

    #[test]
    fn an_unknown_variant_is_cut_out_but_the_allowed_ones_stay() {
        assert_eq!(
            serde_detail(
                "Query deserialize error: unknown variant `山田`, expected `male` or `female`"
            ),
            "Query deserialize error: unknown variant …, expected `male` or `female`"
        );
    }

    #[test]
    fn field_names_stay_and_values_posing_as_field_names_do_not() {
        assert_eq!(
            serde_detail("missing field `name` at line 1 column 2"),
            "missing field `name` at line 1 column 2"
        );
        assert_eq!(
            serde_detail("unknown field `nmae`, expected `name`"),
            "unknown field `nmae`, expected `name`"
        );
        assert_eq!(
            serde_detail("unknown field `秘密 花子`, expected `name`"),
            "unknown field …, expected `name`"
        );
        assert_eq!(
            serde_detail(r#"can not parse "03-9999-0000" to a u32"#),
            "can not parse … to a u32"
        );
    }

    #[test]
    fn syntax_errors_keep_their_grammar() {
        assert_eq!(
            serde_detail("expected `,` or `}` at line 1 column 30"),
            "expected `,` or `}` at line 1 column 30"
        );
    }

    #[test]
    fn a_patient_number_in_a_path_is_masked_and_a_specimen_id_is_not() {
        assert_eq!(path("/api/v1/patients/P-123"), "/api/v1/patients/…");
        assert_eq!(path("/patients/P-123"), "/patients/…");
        assert_eq!(path("/patients/P-123/x"), "/patients/…/x");
        assert_eq!(path("/api/v1/specimens/T-1"), "/api/v1/specimens/T-1");
        assert_eq!(path("/specimens/patients/T-1"), "/specimens/patients/T-1");
    }

    #[test]
    fn a_query_keeps_its_keys_and_loses_its_values() {
        assert_eq!(
            query("patient_id=P-1&date=2026-12-01&flag"),
            "patient_id=…&date=…&flag"
        );
        assert_eq!(query("%E5%B1%B1%E7%94%B0=1&0399990000"), "…=…&…");
    }
}
