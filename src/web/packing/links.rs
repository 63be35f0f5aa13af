//! Where a packing form answers to: the package's path, the anchors of its
//! checklist items and missing lines, and the redirect back after a change.

use crate::actions::packages::{ChecklistLine, PackageChanged, PackageView};
use crate::domain::packaging::{ChecklistItem, Layer, Missing};
use crate::web::{encode_query_value, see_other};
use actix_web::HttpResponse;
use std::collections::HashMap;

pub(super) fn package_path(id: &str) -> String {
    format!("/packing/{}", encode_query_value(id))
}

/// The key `packaging::missing` gives this line (`item` or `item:tube`).
pub(super) fn line_key(line: &ChecklistLine) -> String {
    match &line.specimen_id {
        Some(tube) => format!("{}:{tube}", line.item.code()),
        None => line.item.code().to_string(),
    }
}

pub(super) fn anchor(index: usize) -> String {
    format!("item-{index}")
}

/// The anchor of the button that ticks `item` for every tube.
pub(super) fn tick_all_anchor(item: ChecklistItem) -> String {
    format!("tick-all-{}", item.code().replace('.', "-"))
}

/// The anchor of the checklist button a tick came from, on the package as
/// it now is: the item's line, or the button for every tube.
pub(super) fn tick_anchor(
    view: &PackageView,
    item: ChecklistItem,
    specimen_id: Option<&str>,
) -> Option<String> {
    if item.layer() == Layer::Primary && specimen_id.is_none() {
        return Some(tick_all_anchor(item));
    }
    view.checklist
        .iter()
        .position(|l| l.item == item && l.specimen_id.as_deref() == specimen_id)
        .map(anchor)
}

/// Where on the page a missing thing is put right.
pub(super) fn missing_target(m: &Missing, anchors: &HashMap<String, usize>) -> String {
    if let Some(i) = anchors.get(&m.key) {
        return format!("#{}", anchor(*i));
    }
    match m.key.as_str() {
        "tubes" => "#specimen_id".to_string(),
        _ => "#slip-fields".to_string(),
    }
}

/// Back to the package after a change, with a word on what happened;
/// with `at`, back to that place on the page (`?at=` tells the page which
/// item to confirm beside, `#` brings the browser there without a script).
pub(super) fn back_to(
    id: &str,
    done: &str,
    changed: &PackageChanged,
    at: Option<&str>,
) -> HttpResponse {
    let done = if changed.created { done } else { "unchanged" };
    let mut location = format!("{}?done={done}", package_path(id));
    let codes: Vec<&str> = changed.warnings.iter().map(|w| w.code.as_str()).collect();
    if !codes.is_empty() {
        location.push_str("&warn=");
        location.push_str(&encode_query_value(&codes.join(",")));
    }
    if let Some(at) = at {
        location.push_str(&format!("&at={at}#{at}"));
    }
    see_other(&location)
}
