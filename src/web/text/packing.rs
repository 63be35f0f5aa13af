//! The words of the packing pages, in Japanese (the default) and English.
//!
//! Kept apart from [`super::Text`] because only the packing pages use
//! them. The manual's own terms (layers, checklist items, carriers, what
//! dispatch waits for, the shipping slip's words) come from
//! `domain::labels` in both languages, so the page, the printed slip and
//! the command sheet say the same thing. `{n}`, `{id}`, `{tube}`,
//! `{item}`, `{by}`, `{at}`, `{phone}` and `{count}` stand for values the
//! page fills in.

use super::Lang;
use crate::domain::labels::{self, command_sheet, SLIP_EN, SLIP_JA};
use crate::domain::packaging::{Carrier, ChecklistItem, Layer};

/// One language's words for the packing pages, grouped by page.
pub struct PackingText {
    // The list of packages and the form to start one.
    pub title: &'static str,
    pub intro: &'static str,
    pub commands_link: &'static str,
    pub open_title: &'static str,
    pub no_open: &'static str,
    pub recent_title: &'static str,
    pub no_recent: &'static str,
    pub col_package: &'static str,
    pub col_carrier: &'static str,
    pub col_tubes: &'static str,
    pub col_missing: &'static str,
    pub col_created: &'static str,
    pub col_status: &'static str,
    pub col_dispatched: &'static str,
    pub col_received: &'static str,
    /// `{n}`: how many things dispatch still waits for.
    pub missing_count: &'static str,
    pub ready: &'static str,
    pub new_title: &'static str,
    pub new_intro: &'static str,
    pub carrier_label: &'static str,
    pub consignee_legend: &'static str,
    pub consignee_hint: &'static str,
    pub consignee_prefilled: &'static str,
    pub name_label: &'static str,
    pub address_label: &'static str,
    pub phone_label: &'static str,
    pub emergency_label: &'static str,
    /// `{phone}`: the site's own 24-hour number.
    pub emergency_hint: &'static str,
    pub packer_legend: &'static str,
    pub packer_hint: &'static str,
    pub packer_name: &'static str,
    pub packer_certificate: &'static str,
    pub create_button: &'static str,
    // One package.
    /// Before the SSCC in the page's heading.
    pub package_heading: &'static str,
    pub status_label: &'static str,
    pub status_open: &'static str,
    pub status_dispatched: &'static str,
    pub status_received: &'static str,
    pub created_label: &'static str,
    pub done_created: &'static str,
    pub done_added: &'static str,
    pub done_removed: &'static str,
    pub done_ticked: &'static str,
    pub done_unticked: &'static str,
    pub done_dispatched: &'static str,
    pub done_details: &'static str,
    pub done_unchanged: &'static str,
    pub warnings_title: &'static str,
    pub missing_title: &'static str,
    pub missing_intro: &'static str,
    pub missing_none: &'static str,
    /// The checklist is complete, but a rule asks for a written reason.
    pub missing_needs_reason: &'static str,
    /// The checklist is complete, but dispatch was refused all the same.
    pub missing_refused: &'static str,
    pub needs_reason_link: &'static str,
    /// Before the list of rules that refused a form.
    pub refused_intro: &'static str,
    /// At the top when the refusal is shown beside its form, lower down.
    pub error_elsewhere: &'static str,
    pub layers_title: &'static str,
    pub layers_intro: &'static str,
    pub note_primary: &'static str,
    pub note_secondary: &'static str,
    pub note_no_dry_ice: &'static str,
    pub note_tertiary: &'static str,
    pub note_overpack: &'static str,
    pub note_marks: &'static str,
    pub note_transport: &'static str,
    pub overpack_in_use: &'static str,
    pub required: &'static str,
    pub optional: &'static str,
    pub item_done: &'static str,
    pub item_not_done: &'static str,
    /// Who ticked and when: `{by}`, `{at}`.
    pub done_by: &'static str,
    /// Who took a tick back and when: `{by}`, `{at}`.
    pub undone_by: &'static str,
    pub tick_button: &'static str,
    pub untick_button: &'static str,
    pub dry_ice_label: &'static str,
    pub dry_ice_hint: &'static str,
    pub tick_all_legend: &'static str,
    /// The button that ticks `{item}` for every tube at once.
    pub tick_all_button: &'static str,
    pub tubes_caption: &'static str,
    pub no_tubes: &'static str,
    pub col_priority: &'static str,
    pub col_specimen: &'static str,
    pub col_type: &'static str,
    pub col_collected: &'static str,
    pub col_deadline: &'static str,
    pub col_action: &'static str,
    pub deadline_exceeded: &'static str,
    pub remove_button: &'static str,
    /// The priority rule set aside for this tube: `{reason}`.
    pub override_note: &'static str,
    pub tube_checks: &'static str,
    pub add_legend: &'static str,
    pub add_label: &'static str,
    pub add_hint: &'static str,
    pub add_button: &'static str,
    pub override_label: &'static str,
    pub override_hint: &'static str,
    pub dispatch_title: &'static str,
    pub dispatch_incomplete: &'static str,
    pub dispatch_ready: &'static str,
    pub dispatch_needs_reason: &'static str,
    pub dispatch_button: &'static str,
    pub dispatch_override_label: &'static str,
    pub dispatched_at: &'static str,
    pub dispatched_by: &'static str,
    pub received_at: &'static str,
    pub received_by: &'static str,
    pub receipt_note: &'static str,
    pub closed_note: &'static str,
    pub print_link: &'static str,
    pub slip_fields_title: &'static str,
    pub shipper_label: &'static str,
    pub consignee_label: &'static str,
    pub packer_label: &'static str,
    pub not_set: &'static str,
    pub details_legend: &'static str,
    pub details_button: &'static str,
    pub history_title: &'static str,
    pub col_item: &'static str,
    pub col_change: &'static str,
    pub col_by: &'static str,
    pub col_at: &'static str,
    pub history_ticked: &'static str,
    pub history_unticked: &'static str,
    pub error_code: &'static str,
    pub error_missing: &'static str,
    pub bad_item: &'static str,
    pub bad_done: &'static str,
    pub bad_kg: &'static str,
    pub bad_carrier: &'static str,
    // The print view.
    pub print_button: &'static str,
    pub back_to_package: &'static str,
    pub print_hint: &'static str,
    pub slip_title: &'static str,
    pub labels_title: &'static str,
    /// The label image's text alternative: `{id}`.
    pub label_alt: &'static str,
    pub label_outer: &'static str,
    pub label_overpack: &'static str,
    // The command sheet.
    pub commands_title: &'static str,
    pub commands_intro: &'static str,
    /// `{n}` of `{count}`.
    pub commands_page: &'static str,
    pub commands_alt: &'static str,
}

pub const PACKING_JA: PackingText = PackingText {
    title: "梱包",
    intro: "検体を基本三重梱包して発送します。梱包中の包装を開くか、新しく始めてください。",
    commands_link: "コマンドバーコード（梱包・結果入力）を印刷する",
    open_title: "梱包中の包装",
    no_open: "梱包中の包装はありません。",
    recent_title: "最近発送・受領した包装",
    no_recent: "発送した包装はまだありません。",
    col_package: "包装番号 (SSCC)",
    col_carrier: "運送",
    col_tubes: "本数",
    col_missing: "発送前に足りないもの",
    col_created: "作成",
    col_status: "状態",
    col_dispatched: "発送日時",
    col_received: "受領日時",
    missing_count: "{n} 件",
    ready: "発送できます",
    new_title: "新しい梱包を始める",
    new_intro: "包装番号（SSCC）は自動で付きます。受取人は後からでも入力できます。",
    carrier_label: "運送手段",
    consignee_legend: "受取人（検査機関）",
    consignee_hint: "検体送付票とラベルに印刷されます。",
    consignee_prefilled: "前回の包装の受取人を入れてあります。",
    name_label: "名称",
    address_label: "住所",
    phone_label: "電話番号",
    emergency_label: "24時間緊急連絡先",
    emergency_hint: "空欄なら施設の設定（{phone}）を使います。",
    packer_legend: "包装責任者（ゆうパックのとき必須）",
    packer_hint: "ゆうパック（陸送）では、資格のある包装責任者の氏名と証明書番号が必要です。",
    packer_name: "氏名",
    packer_certificate: "証明書番号",
    create_button: "梱包を始める",
    package_heading: "包装",
    status_label: "状態",
    status_open: SLIP_JA.status_open,
    status_dispatched: SLIP_JA.status_dispatched,
    status_received: SLIP_JA.status_received,
    created_label: "作成",
    done_created: "梱包を始めました。採取管を入れてください。",
    done_added: "採取管を入れました。",
    done_removed: "採取管を取り出しました。",
    done_ticked: "チェックしました。",
    done_unticked: "チェックを外しました。",
    done_dispatched: "発送しました。",
    done_details: "送付票の項目を保存しました。",
    done_unchanged: "すでに記録されています（変更はありません）。",
    warnings_title: "注意",
    missing_title: "発送前に足りないもの",
    missing_intro: "次がすべて揃うまで発送できません。",
    missing_none: "すべて揃いました。発送できます。",
    missing_needs_reason: "チェックリストはすべて揃いましたが、次の理由で、発送には例外とする理由の記入が必要です。",
    missing_refused: "チェックリストはすべて揃っていますが、発送は受け付けられませんでした。理由を確かめてください。",
    needs_reason_link: "発送の欄で理由を書く",
    refused_intro: "次の理由で受け付けられませんでした。",
    error_elsewhere: "操作は受け付けられませんでした。理由へ移動する",
    layers_title: "梱包チェックリスト",
    layers_intro: "内側から順に、一次容器・二次容器・三次容器（必要ならオーバーパック）と包みます。層ごとに確認した項目をチェックしてください。",
    note_primary: "漏れのないプラスチック容器の蓋をしっかり閉め、外側を消毒液で拭き、パラフィルムで密封します。採取管ごとに確認します。",
    note_secondary: "吸収材とともに耐漏性の二次容器（ボトルまたはパウチ）に入れ、密閉します。2本以上なら、互いに触れないよう緩衝材かラックで固定します。",
    note_no_dry_ice: "ドライアイスは絶対に二次容器に入れないでください。密閉容器が破裂します。使うときはオーバーパックに入れます。",
    note_tertiary: "二次容器を保冷剤・緩衝材とともに堅牢な外装容器に入れて動かないようにし、検体送付票を同封して封をします。",
    note_overpack: "保冷箱で冷やすときに使います（任意）。発泡スチロール箱を厚手またはプラスチックの段ボールで覆い、保冷剤・ドライアイスは二次容器の外、オーバーパックの中に入れます。",
    note_marks: "外装に UN3373 マークと「Biological Substance, Category B」を表示します。",
    note_transport: "公用車・社用車、またはカテゴリーB を扱う運送業者で運び、車内で固定します。",
    overpack_in_use: "この包装はオーバーパックを使っています。",
    required: "必須",
    optional: "任意",
    item_done: "済",
    item_not_done: "未",
    done_by: "{by}・{at}",
    undone_by: "{by} が {at} に外しました",
    tick_button: "チェックする",
    untick_button: "チェックを外す",
    dry_ice_label: "ドライアイス正味（kg）",
    dry_ice_hint: "ラベルの UN1845 表示に印刷されます。",
    tick_all_legend: "すべての採取管をまとめてチェック",
    tick_all_button: "全採取管: {item}",
    tubes_caption: "入っている採取管（送付優先順位の順）",
    no_tubes: "まだ採取管が入っていません。",
    col_priority: "優先順位",
    col_specimen: "検体番号",
    col_type: "検体の種類",
    col_collected: "採取日時",
    col_deadline: "凍結または発送の期限",
    col_action: "操作",
    deadline_exceeded: "未凍結48時間超過（発送には理由が必要）",
    remove_button: "取り出す",
    override_note: "優先順位ルールの例外: {reason}",
    tube_checks: "採取管ごとの確認",
    add_legend: "採取管を入れる",
    add_label: "検体番号（採取管をスキャン）",
    add_hint: "送付優先順位（喀痰・気管吸引液 → 鼻咽頭ぬぐい液 → 唾液）に反するときは理由とともに断られます。",
    add_button: "入れる",
    override_label: "ルールの例外として入れる理由",
    override_hint: "理由は記録され、検体送付票に印刷されます。",
    dispatch_title: "発送",
    dispatch_incomplete: "まだ足りないものがあります。いま発送しようとすると、足りないものの一覧とともに断られます。",
    dispatch_ready: "すべて揃っています。運送を始めるときに発送してください。",
    dispatch_needs_reason: "チェックリストは揃っていますが、発送にはルールの例外とする理由が必要です。理由を書いてから発送してください。",
    dispatch_button: "発送する",
    dispatch_override_label: "ルールの例外として発送する理由",
    dispatched_at: "発送日時",
    dispatched_by: "発送者",
    received_at: "受領日時",
    received_by: "受領者",
    receipt_note: "受領メモ",
    closed_note: "発送済みの包装は変更できません。",
    print_link: "検体送付票とラベルを印刷する",
    slip_fields_title: "送付票の項目",
    shipper_label: "差出人",
    consignee_label: "受取人",
    packer_label: "包装責任者",
    not_set: "未入力",
    details_legend: "受取人・緊急連絡先・包装責任者を直す",
    details_button: "保存する",
    history_title: "チェックの記録",
    col_item: "項目",
    col_change: "変更",
    col_by: "実施者",
    col_at: "日時",
    history_ticked: "チェック",
    history_unticked: "チェックを外した",
    error_code: "コード",
    error_missing: "足りないもの",
    bad_item: "チェックリストにない項目です",
    bad_done: "done は true か false です",
    bad_kg: "ドライアイスの重さは kg の数値で入力してください",
    bad_carrier: "運送手段を選んでください",
    print_button: "印刷する",
    back_to_package: "包装の画面へ戻る",
    print_hint: "A4 で印刷します。検体送付票は三次容器に同封し、ラベルは外装に貼ります。",
    slip_title: SLIP_JA.title,
    labels_title: "梱包ラベル",
    label_alt: "包装 {id} のラベル（受取人、差出人、責任者、UN3373 マーク、SSCC バーコード）",
    label_outer: "外装容器（三次容器）に貼る",
    label_overpack: "オーバーパックに貼る",
    commands_title: command_sheet::TITLE,
    commands_intro: command_sheet::NOTE,
    commands_page: "{n} / {count} ページ",
    commands_alt: "コマンドバーコード（梱包・結果入力） {n} / {count} ページ（層ごとのチェック項目と、開始・発送・受領・取り消し・結果入力のコード）",
};

pub const PACKING_EN: PackingText = PackingText {
    title: "Packing",
    intro: "Pack specimens in the basic triple packaging and dispatch them. Open a package being packed, or start a new one.",
    commands_link: "Print the command barcodes (packing, results)",
    open_title: "Packages being packed",
    no_open: "No package is being packed.",
    recent_title: "Recently dispatched or received",
    no_recent: "No package has been dispatched yet.",
    col_package: "Package (SSCC)",
    col_carrier: "Carrier",
    col_tubes: "Tubes",
    col_missing: "Still missing",
    col_created: "Started",
    col_status: "Status",
    col_dispatched: "Dispatched",
    col_received: "Received",
    missing_count: "{n} left",
    ready: "ready to dispatch",
    new_title: "Start a package",
    new_intro: "The package number (SSCC) is given automatically. The consignee can be filled in later too.",
    carrier_label: "Carrier",
    consignee_legend: "Consignee (testing lab)",
    consignee_hint: "Printed on the shipping slip and the label.",
    consignee_prefilled: "Filled in from the last package.",
    name_label: "Name",
    address_label: "Address",
    phone_label: "Phone",
    emergency_label: "24-hour emergency phone",
    emergency_hint: "Leave empty to use the site's number ({phone}).",
    packer_legend: "Packaging responsible person (required for Yu-Pack)",
    packer_hint: "Japan Post Yu-Pack (land only) needs a certified packaging responsible person: name and certificate id.",
    packer_name: "Name",
    packer_certificate: "Certificate id",
    create_button: "Start the package",
    package_heading: "Package",
    status_label: "Status",
    status_open: SLIP_EN.status_open,
    status_dispatched: SLIP_EN.status_dispatched,
    status_received: SLIP_EN.status_received,
    created_label: "Started",
    done_created: "Package started. Put the tubes in.",
    done_added: "Tube added.",
    done_removed: "Tube taken out.",
    done_ticked: "Ticked.",
    done_unticked: "Tick taken back.",
    done_dispatched: "Dispatched.",
    done_details: "Slip fields saved.",
    done_unchanged: "Already recorded (nothing changed).",
    warnings_title: "Warnings",
    missing_title: "Still missing before dispatch",
    missing_intro: "The package cannot be dispatched until all of these are done.",
    missing_none: "Everything is done: the package can be dispatched.",
    missing_needs_reason: "The checklist is complete, but dispatch needs a written reason because:",
    missing_refused: "The checklist is complete, but dispatch was refused: see the reason.",
    needs_reason_link: "Write the reason at Dispatch",
    refused_intro: "Refused for these reasons:",
    error_elsewhere: "That was not accepted: go to the reason",
    layers_title: "Packing checklist",
    layers_intro: "Pack from the inside out: primary, secondary, tertiary (and an overpack when needed). Tick each item as you check it.",
    note_primary: "Leak-proof plastic tube, lid closed firmly, outside wiped with disinfectant, sealed with parafilm. Checked tube by tube.",
    note_secondary: "Tubes with absorbent material in a leak-proof secondary container (bottle or pouch), closed and sealed. More than one tube: cushioned or racked so they do not touch.",
    note_no_dry_ice: "Never put dry ice in the secondary container: it is sealed and would burst. Dry ice goes in the overpack.",
    note_tertiary: "The secondary inside a rigid outer container with coolant and cushioning so it cannot move; the shipping slip enclosed; sealed.",
    note_overpack: "Used when cooling in an insulated box (optional): a styrofoam box covered in thick or plastic cardboard, coolant or dry ice inside the overpack and outside the secondary.",
    note_marks: "The UN3373 mark with \"Biological Substance, Category B\" on the outside.",
    note_transport: "An official or company car, or a carrier that takes Category B specimens; the package strapped in.",
    overpack_in_use: "This package uses an overpack.",
    required: "required",
    optional: "optional",
    item_done: "done",
    item_not_done: "not done",
    done_by: "{by}, {at}",
    undone_by: "taken back by {by} at {at}",
    tick_button: "Tick",
    untick_button: "Un-tick",
    dry_ice_label: "Net dry ice (kg)",
    dry_ice_hint: "Printed with the UN1845 mark on the label.",
    tick_all_legend: "Tick for every tube at once",
    tick_all_button: "All tubes: {item}",
    tubes_caption: "Tubes in the package (sending-priority order)",
    no_tubes: "No tube is in the package yet.",
    col_priority: "Priority",
    col_specimen: "Specimen",
    col_type: "Type",
    col_collected: "Collected",
    col_deadline: "Freeze or ship by",
    col_action: "Action",
    deadline_exceeded: "48 h unfrozen exceeded (dispatch needs a reason)",
    remove_button: "Take out",
    override_note: "Priority rule set aside: {reason}",
    tube_checks: "Checks for each tube",
    add_legend: "Put a tube in",
    add_label: "Specimen id (scan the tube)",
    add_hint: "A tube that breaks the sending priority (sputum or tracheal aspirate, then nasopharyngeal swab, then saliva) is refused with the reason.",
    add_button: "Put in",
    override_label: "Reason to put it in despite the rule",
    override_hint: "The reason is recorded and printed on the shipping slip.",
    dispatch_title: "Dispatch",
    dispatch_incomplete: "Something is still missing. Dispatching now is refused with the list of what is missing.",
    dispatch_ready: "Everything is done. Dispatch when transport starts.",
    dispatch_needs_reason: "The checklist is complete, but dispatch needs a reason to set a rule aside. Write it, then dispatch.",
    dispatch_button: "Dispatch",
    dispatch_override_label: "Reason to dispatch despite the rule",
    dispatched_at: "Dispatched at",
    dispatched_by: "Dispatched by",
    received_at: "Received at",
    received_by: "Received by",
    receipt_note: "Receipt note",
    closed_note: "A dispatched package can no longer change.",
    print_link: "Print the shipping slip and labels",
    slip_fields_title: "Slip fields",
    shipper_label: "Shipper",
    consignee_label: "Consignee",
    packer_label: "Packaging responsible person",
    not_set: "not set",
    details_legend: "Change the consignee, emergency phone or packer",
    details_button: "Save",
    history_title: "Checklist history",
    col_item: "Item",
    col_change: "Change",
    col_by: "By",
    col_at: "At",
    history_ticked: "ticked",
    history_unticked: "taken back",
    error_code: "Code",
    error_missing: "Missing",
    bad_item: "That is not an item of the checklist",
    bad_done: "done must be true or false",
    bad_kg: "Enter the dry ice weight as a number of kg",
    bad_carrier: "Choose a carrier",
    print_button: "Print",
    back_to_package: "Back to the package",
    print_hint: "Prints on A4. The shipping slip goes inside the tertiary container; the labels go on the outside.",
    slip_title: SLIP_EN.title,
    labels_title: "Package labels",
    label_alt: "Label of package {id} (consignee, shipper, responsible person, UN3373 mark, SSCC barcode)",
    label_outer: "For the outer (tertiary) container",
    label_overpack: "For the overpack",
    commands_title: "Command barcodes (packing, results)",
    commands_intro: "Sized to scan with gloves on. Print on A4 without shrinking.",
    commands_page: "page {n} of {count}",
    commands_alt: "Command barcodes (packing, results), page {n} of {count} (the checklist items layer by layer, start, dispatch, receive and cancel, and the result codes)",
};

pub fn packing(lang: Lang) -> &'static PackingText {
    match lang {
        Lang::Ja => &PACKING_JA,
        Lang::En => &PACKING_EN,
    }
}

/// A layer's name: the manual's Japanese, or English.
pub fn layer_label(lang: Lang, layer: Layer) -> &'static str {
    match lang {
        Lang::Ja => labels::layer_ja(layer),
        Lang::En => labels::layer_en(layer),
    }
}

/// A checklist item as the manual's 【別紙】 words it, or in English.
pub fn item_label(lang: Lang, item: ChecklistItem) -> &'static str {
    match lang {
        Lang::Ja => labels::checklist_item_ja(item),
        Lang::En => labels::checklist_item_en(item),
    }
}

pub fn carrier_label(lang: Lang, carrier: Carrier) -> &'static str {
    match lang {
        Lang::Ja => labels::carrier_ja(carrier),
        Lang::En => labels::carrier_en(carrier),
    }
}

/// A package status (`open`, `dispatched`, `received`) in words.
pub fn status_label(lang: Lang, status: &str) -> &'static str {
    let t = packing(lang);
    match crate::domain::PackageStatus::from_code(status) {
        Some(crate::domain::PackageStatus::Open) => t.status_open,
        Some(crate::domain::PackageStatus::Dispatched) => t.status_dispatched,
        Some(crate::domain::PackageStatus::Received) => t.status_received,
        None => "?",
    }
}

/// Fills `{name}` placeholders of a sentence.
pub fn fill(pattern: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(pattern.to_string(), |acc, (k, v)| {
        acc.replace(&format!("{{{k}}}"), v)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_name_every_layer_item_and_carrier() {
        for lang in [Lang::Ja, Lang::En] {
            for layer in Layer::ALL {
                assert!(!layer_label(lang, layer).is_empty());
            }
            for item in ChecklistItem::ALL {
                assert!(!item_label(lang, item).is_empty());
            }
            for carrier in Carrier::ALL {
                assert!(!carrier_label(lang, carrier).is_empty());
            }
        }
        assert_eq!(layer_label(Lang::Ja, Layer::Primary), "一次容器");
        assert_eq!(
            item_label(Lang::Ja, ChecklistItem::PrimaryParafilm),
            labels::checklist_item_ja(ChecklistItem::PrimaryParafilm)
        );
    }

    #[test]
    fn the_placeholders_of_each_sentence_are_the_same_in_both_languages() {
        let pairs = [
            (PACKING_JA.missing_count, PACKING_EN.missing_count),
            (PACKING_JA.emergency_hint, PACKING_EN.emergency_hint),
            (PACKING_JA.done_by, PACKING_EN.done_by),
            (PACKING_JA.undone_by, PACKING_EN.undone_by),
            (PACKING_JA.tick_all_button, PACKING_EN.tick_all_button),
            (PACKING_JA.override_note, PACKING_EN.override_note),
            (PACKING_JA.label_alt, PACKING_EN.label_alt),
            (PACKING_JA.commands_page, PACKING_EN.commands_page),
            (PACKING_JA.commands_alt, PACKING_EN.commands_alt),
        ];
        let holes = |s: &str| {
            let mut h: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(k, _)| k.to_string()))
                .collect();
            h.sort();
            h
        };
        for (ja, en) in pairs {
            assert!(!holes(ja).is_empty(), "{ja}");
            assert_eq!(holes(ja), holes(en), "{ja} / {en}");
        }
        assert_eq!(fill("{n} 件", &[("n", "3")]), "3 件");
    }
}
