//! What the manual's rules say: refusals, warnings and the flags kept on a
//! specimen (docs/RULES.md).

use super::{
    checklist_item_name, list, ppe_need_name, result_status_name, say, specimen_type_name,
    storage_class_name, swab_material_name, time, Lang, Msg,
};
use crate::kits::SwabMaterial;
use crate::packaging::ChecklistItem;
use crate::ppe::PpeNeed;
use crate::results::ResultStatus;
use crate::specimen_type::SpecimenType;
use crate::storage::StorageClass;
use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "key", rename_all = "snake_case")]
pub enum RuleMsg {
    /// `collection_in_future`: the collection time is later than now (beyond the clock skew
    /// the policy allows).
    CollectionInFuture {
        at: DateTime<FixedOffset>,
    },
    /// `onset_after_collection`: days since onset cannot be negative.
    OnsetAfterCollection {
        onset: NaiveDate,
        collected: NaiveDate,
    },
    /// `saliva_window_exceeded`: saliva from day `max + 1`.
    SalivaWindowExceeded {
        day: i64,
        max: i64,
    },
    /// `saliva_onset_unknown`: saliva without an onset date (policy decides).
    SalivaOnsetUnknown,
    /// `serum_timing`: serum cannot be judged without the onset date.
    SerumNeedsOnset,
    /// `serum_timing`: acute serum after day 7.
    SerumAcuteLate {
        day: i64,
    },
    /// `serum_timing`: convalescent serum before day 14.
    SerumConvalescentEarly {
        day: i64,
    },
    /// `ppe_incomplete`: protective equipment not recorded.
    PpeIncomplete {
        specimen_type: SpecimenType,
        missing: Vec<PpeNeed>,
    },
    /// `no_respiratory_specimen`: a non-respiratory specimen with no respiratory one in the
    /// episode.
    NoRespiratorySpecimen {
        specimen_type: SpecimenType,
        days: i64,
    },
    /// A flag: a refusal an authorised user lifted with a written reason.
    Overridden {
        refusal: Box<Msg>,
    },
    /// `kit_expired`: the kit expired before the collection date.
    KitExpired {
        gtin: String,
        expiry: NaiveDate,
        collected: NaiveDate,
    },
    /// `unknown_kit`: a GTIN the kit catalog does not know.
    UnknownKit {
        gtin: String,
    },
    /// `kit_swab_material`: a cotton or wooden-shaft swab.
    KitSwabMaterial {
        gtin: String,
        description: String,
        material: SwabMaterial,
    },
    /// `kit_type_mismatch`: a kit catalogued for another specimen type.
    KitTypeMismatch {
        gtin: String,
        description: String,
        catalogued: SpecimenType,
        registered: SpecimenType,
    },
    /// A storage event before the collection.
    StorageBeforeCollection {
        at: DateTime<FixedOffset>,
        collected: DateTime<FixedOffset>,
    },
    StorageInFuture {
        at: DateTime<FixedOffset>,
    },
    /// Storage events are in time order.
    StorageBeforeLast {
        at: DateTime<FixedOffset>,
        last: DateTime<FixedOffset>,
    },
    /// `ambient_too_long`: a respiratory specimen at room temperature past the grace.
    AmbientTooLong {
        minutes: i64,
        grace: i64,
    },
    /// `freeze_thaw`: frozen, then stored warmer.
    FreezeThaw {
        class: StorageClass,
        cycle: i64,
    },
    /// `minus20_fallback`: −20 °C at a site that has a −80 °C freezer.
    Minus20Refused,
    /// `minus20_fallback`: −20 °C where there is no −80 °C freezer (allowed, flagged).
    Minus20Flagged,
    /// A report's flag: the specimen was kept at −20 °C.
    Minus20Stored,
    /// A report's flag: how many freeze–thaw cycles.
    FreezeThawCycles {
        count: i64,
    },
    /// `wrong_storage_class`: a type that belongs at −80 °C stored warmer.
    WrongStorageClass {
        specimen_type: SpecimenType,
        class: StorageClass,
    },
    /// `storage_deadline_exceeded`: unfrozen for the fridge limit or more since collection.
    StorageDeadlineExceeded {
        hours: i64,
    },
    /// `storage_deadline_exceeded`: a tube packed after its deadline (dispatch will need an
    /// override).
    PackedPastDeadline {
        hours: i64,
    },
    /// `storage_deadline_exceeded` at dispatch: how long the tube spent unfrozen.
    UnfrozenAtDispatch {
        hours: f64,
        limit: i64,
    },
    /// `dry_ice_in_secondary`: never dry ice in the secondary.
    DryIceInSecondary,
    /// Dry ice needs its net weight (UN1845).
    DryIceNeedsWeight,
    DryIceWeightRange {
        max: f64,
    },
    DryIceWeightOnlyForDryIce,
    /// `dry_ice_without_overpack`: dry ice outside an insulated overpack.
    DryIceWithoutOverpack,
    /// `priority_violation`: the same patient's higher-priority specimen stays behind.
    PriorityViolation {
        specimen_type: SpecimenType,
        specimen_id: String,
        priority: u8,
    },
    /// `consultation_required`: autopsy tissue needs a consultation first.
    ConsultationRequired,
    /// `result_before_collection`: a result before its collection.
    ResultBeforeCollection {
        at: DateTime<FixedOffset>,
        collected: DateTime<FixedOffset>,
    },
    /// `correction_reason_required`: a different result, method or time than the standing
    /// version needs a written reason.
    CorrectionNeedsReason {
        version: i32,
    },
    /// `not_awaiting_release`: release and return apply to an entered version only.
    NotAwaitingRelease {
        version: i32,
        status: ResultStatus,
    },
    /// `not_awaiting_release`: a later version replaced this entered one.
    VersionReplaced {
        version: i32,
        by: i32,
    },
    /// `same_person_release`: the second person is someone else.
    SamePersonRelease {
        version: i32,
    },
    /// A flag: the result shown corrects an earlier version.
    ResultCorrected {
        version: i32,
        reason: Option<String>,
    },
    /// A flag: a result is entered and waits for release; the report
    /// shows the released one, if any.
    ResultAwaitingRelease {
        version: i32,
    },
    ResultInFuture {
        at: DateTime<FixedOffset>,
    },
    /// A package-level refusal or override about one tube.
    ForTube {
        specimen_id: String,
        inner: Box<Msg>,
    },
    /// A report's flag: the patient's identity was corrected on this day.
    PatientCorrected {
        on: NaiveDate,
    },
    /// Receiving: a tube listed as missing.
    TubeDidNotArrive {
        specimen_id: String,
    },
    /// `package_incomplete`, what dispatch waits for: a package without a tube.
    MissingTube,
    /// A checklist item not done (for one tube, for `primary.*`).
    MissingItem {
        item: ChecklistItem,
        specimen_id: Option<String>,
    },
    /// A slip field not known (`consignee.phone`, `shipper.name`, …).
    MissingSlipField {
        field: String,
    },
    /// Yu-Pack needs the certified packer's name and certificate id.
    MissingPacker,
    MissingPackerCertificate,
}

impl RuleMsg {
    pub fn render(&self, lang: Lang) -> String {
        use RuleMsg::*;
        match self {
            CollectionInFuture { at } => {
                let at = time(at);
                say!(lang, "採取日時 {at} が未来になっています。時計と入力を確かめてください", "collection time {at} is in the future")
            }
            OnsetAfterCollection { onset, collected } => say!(
                lang,
                "発症日 {onset} が採取日 {collected} より後になっています",
                "onset date {onset} is after the collection date {collected}"
            ),
            SalivaWindowExceeded { day, max } => say!(
                lang,
                "発症後{day}日目の唾液です。唾液は発症日を0日目として{max}日目までしか受け付けません（鼻咽頭ぬぐい液などを採取してください）",
                "saliva collected on day {day} after onset; saliva is accepted only up to day {max} (collect a nasopharyngeal swab instead)"
            ),
            SalivaOnsetUnknown => say!(
                lang,
                "発症日の分からない唾液です（発症日不明または無症状）",
                "saliva without a known onset date (onset unknown or asymptomatic)"
            ),
            SerumNeedsOnset => say!(
                lang,
                "血清の採取時期の判断には発症日が必要です（急性期は7日以内、回復期は14日以降）",
                "serum timing needs the onset date (acute ≤ 7 days, convalescent ≥ 14 days)"
            ),
            SerumAcuteLate { day } => say!(
                lang,
                "急性期血清は発症後7日以内に採取したものです。この検体は発症後{day}日目です",
                "acute serum must be collected within 7 days of onset; this one is day {day}"
            ),
            SerumConvalescentEarly { day } => say!(
                lang,
                "回復期血清は発症後14日以降に採取したものです。この検体は発症後{day}日目です",
                "convalescent serum must be collected 14 or more days after onset; this one is day {day}"
            ),
            PpeIncomplete {
                specimen_type,
                missing,
            } => {
                let t = specimen_type_name(*specimen_type, lang);
                let names: Vec<String> = missing
                    .iter()
                    .map(|p| ppe_need_name(*p, lang).to_string())
                    .collect();
                let items = list(lang, &names);
                say!(
                    lang,
                    "{t}の採取に必要な個人防護具が記録されていません: {items}",
                    "protective equipment not recorded for {t}: {items}"
                )
            }
            NoRespiratorySpecimen {
                specimen_type,
                days,
            } => {
                let t = specimen_type_name(*specimen_type, lang);
                say!(
                    lang,
                    "{t}は呼吸器検体より検出しにくく、この患者には{days}日以内の呼吸器検体がありません",
                    "{t} detects less well than respiratory specimens and this patient has no respiratory specimen within {days} days"
                )
            }
            Overridden { refusal } => {
                let r = refusal.render(lang);
                say!(lang, "理由を記録して受付（適用除外）: {r}", "overridden: {r}")
            }
            KitExpired {
                gtin,
                expiry,
                collected,
            } => say!(
                lang,
                "キット {gtin} は {expiry} に使用期限が切れています（採取日 {collected}）。新しいキットを使ってください",
                "kit {gtin} expired on {expiry}, before the collection date {collected}"
            ),
            UnknownKit { gtin } => say!(
                lang,
                "キット {gtin} はキットカタログにありません。スワブの材質と検体の種類は確認できていません",
                "kit {gtin} is not in the kit catalog: its swab material and specimen type were not checked"
            ),
            KitSwabMaterial {
                gtin,
                description,
                material,
            } => {
                let m = swab_material_name(*material, lang);
                say!(
                    lang,
                    "キット {gtin}（{description}）のスワブは{m}で、検出率が下がります。フロック・レーヨン・ポリエステルのスワブが推奨されます",
                    "kit {gtin} ({description}) has a {m} swab, which reduces yield; flocked, rayon or polyester swabs are recommended"
                )
            }
            KitTypeMismatch {
                gtin,
                description,
                catalogued,
                registered,
            } => {
                let c = specimen_type_name(*catalogued, lang);
                let r = specimen_type_name(*registered, lang);
                say!(
                    lang,
                    "キット {gtin}（{description}）は{c}用で、{r}用ではありません",
                    "kit {gtin} ({description}) is catalogued for {c}, not {r}"
                )
            }
            StorageBeforeCollection { at, collected } => {
                let (at, collected) = (time(at), time(collected));
                say!(
                    lang,
                    "保管日時 {at} が採取日時 {collected} より前です",
                    "storage time {at} is before collection {collected}"
                )
            }
            StorageInFuture { at } => {
                let at = time(at);
                say!(lang, "保管日時 {at} が未来になっています", "storage time {at} is in the future")
            }
            StorageBeforeLast { at, last } => {
                let (at, last) = (time(at), time(last));
                say!(
                    lang,
                    "保管日時 {at} が、この検体の前回の保管 {last} より前です",
                    "storage time {at} is before the specimen's last storage event at {last}"
                )
            }
            AmbientTooLong { minutes, grace } => say!(
                lang,
                "室温に{minutes}分置かれていました（許容は{grace}分）。呼吸器検体は氷上または4 °Cで保管してください",
                "at room temperature for {minutes} min (grace {grace} min); keep respiratory specimens on ice or at 4 °C"
            ),
            FreezeThaw { class, cycle } => {
                let c = storage_class_name(*class, lang);
                say!(
                    lang,
                    "凍結していた検体を{c}に移しました。凍結融解 {cycle} 回目です",
                    "frozen specimen moved to {c}: freeze–thaw cycle {cycle}"
                )
            }
            Minus20Refused => say!(
                lang,
                "この施設には−80 °Cの冷凍庫があります。−80 °Cで凍結してください（−20 °Cは−80 °Cの冷凍庫がない施設のためのものです）",
                "this site has a −80 °C freezer: freeze at −80 °C (−20 °C is only for sites without one)"
            ),
            Minus20Flagged => say!(
                lang,
                "−20 °Cで保管しました（この施設には−80 °Cの冷凍庫がないため許可され、記録されます）",
                "stored at −20 °C (no −80 °C freezer at this site): allowed and flagged"
            ),
            Minus20Stored => say!(
                lang,
                "−20 °Cで保管（−80 °Cの代わり）",
                "stored at −20 °C (fallback for −80 °C)"
            ),
            FreezeThawCycles { count } => say!(
                lang,
                "凍結融解 {count} 回",
                "{count} freeze–thaw cycle(s)"
            ),
            WrongStorageClass {
                specimen_type,
                class,
            } => {
                let t = specimen_type_name(*specimen_type, lang);
                let c = storage_class_name(*class, lang);
                say!(
                    lang,
                    "{t}は−80 °C以下で保管するものです（{c}ではありません）",
                    "{t} belongs at −80 °C or below, not {c}"
                )
            }
            StorageDeadlineExceeded { hours } => say!(
                lang,
                "採取から{hours}時間以上凍結されていません。今すぐ−80 °Cで凍結するか発送してください",
                "unfrozen for {hours} h or more since collection: freeze it at −80 °C now or ship it"
            ),
            PackedPastDeadline { hours } => say!(
                lang,
                "採取から{hours}時間以上凍結されていません。発送には理由を記録した適用除外が必要です",
                "{hours} h unfrozen since collection: dispatch will need an override with a reason"
            ),
            UnfrozenAtDispatch { hours, limit } => say!(
                lang,
                "採取から{hours:.1}時間凍結されていませんでした（{limit}時間以上）。−80 °Cで凍結しておくべき検体です",
                "spent {hours:.1} h unfrozen since collection ({limit} h or more): it should have been frozen at −80 °C (§2.4)"
            ),
            DryIceInSecondary => say!(
                lang,
                "ドライアイスは二次容器に入れてはいけません（密閉容器が破裂します）。オーバーパックに入れてください",
                "dry ice must never go in the secondary container: it is sealed and would burst (§2.5); put it in the overpack"
            ),
            DryIceNeedsWeight => say!(
                lang,
                "ドライアイスには正味重量（kg）が必要です（UN1845 の表示に印字します）",
                "overpack.dry_ice needs dry_ice_kg, the net weight printed with the UN1845 mark"
            ),
            DryIceWeightRange { max } => say!(
                lang,
                "ドライアイスの重量は0 kgより大きく{max} kg以下にしてください",
                "dry_ice_kg must be more than 0 and at most {max}"
            ),
            DryIceWeightOnlyForDryIce => say!(
                lang,
                "ドライアイスの重量は「オーバーパック内にドライアイスを入れた」の項目にだけ付けられます",
                "dry_ice_kg belongs only with overpack.dry_ice"
            ),
            DryIceWithoutOverpack => say!(
                lang,
                "ドライアイスは二次容器の外側、発泡スチロール製保冷箱（オーバーパック）の中に入れてください",
                "dry ice goes inside an insulated overpack (overpack.insulated_box), outside the secondary"
            ),
            PriorityViolation {
                specimen_type,
                specimen_id,
                priority,
            } => {
                let t = specimen_type_name(*specimen_type, lang);
                say!(
                    lang,
                    "同じ患者の{t} {specimen_id}（優先順位{priority}）がこの梱包に入っていません。優先順位の高い検体を先に送るか、理由を記録してください",
                    "the patient's {t} {specimen_id} (priority {priority}) is not in this package: send the higher-priority specimen first (§2.1), or override with a reason"
                )
            }
            ConsultationRequired => say!(
                lang,
                "剖検組織は梱包の前に検査機関との相談の記録が必要です（要相談）",
                "autopsy tissue needs a recorded consultation with the testing lab before packing"
            ),
            ResultBeforeCollection { at, collected } => {
                let (at, collected) = (time(at), time(collected));
                say!(
                    lang,
                    "結果の日時 {at} が採取日時 {collected} より前です",
                    "result time {at} is before collection {collected}"
                )
            }
            CorrectionNeedsReason { version } => say!(
                lang,
                "第{version}版と異なる結果です。訂正の理由を入力してください",
                "this differs from version {version}: a correction needs a reason"
            ),
            NotAwaitingRelease { version, status } => {
                let status = result_status_name(*status, lang);
                say!(
                    lang,
                    "第{version}版は承認待ちではありません（{status}）",
                    "version {version} is not awaiting release ({status})"
                )
            }
            VersionReplaced { version, by } => say!(
                lang,
                "第{version}版は第{by}版に置き換えられています。第{by}版を承認してください",
                "version {version} was replaced by version {by}: release version {by}"
            ),
            SamePersonRelease { version } => say!(
                lang,
                "第{version}版を入力した本人は承認できません。別の担当者が承認してください",
                "the person who entered version {version} cannot release it: another person must"
            ),
            ResultCorrected { version, reason } => match reason {
                Some(reason) => say!(
                    lang,
                    "結果訂正（第{version}版、理由: {reason}）",
                    "result corrected (version {version}, reason: {reason})"
                ),
                None => say!(
                    lang,
                    "結果訂正（第{version}版）",
                    "result corrected (version {version})"
                ),
            },
            ResultAwaitingRelease { version } => say!(
                lang,
                "結果（第{version}版）は承認待ち",
                "result (version {version}) awaiting release"
            ),
            ResultInFuture { at } => {
                let at = time(at);
                say!(lang, "結果の日時 {at} が未来になっています", "result time {at} is in the future")
            }
            ForTube { specimen_id, inner } => {
                let m = inner.render(lang);
                say!(lang, "採取管 {specimen_id}: {m}", "tube {specimen_id}: {m}")
            }
            PatientCorrected { on } => say!(
                lang,
                "患者情報を {on} に訂正（現在の情報で表示）",
                "patient details corrected on {on} (shown as they are now)"
            ),
            TubeDidNotArrive { specimen_id } => say!(
                lang,
                "採取管 {specimen_id} は届きませんでした",
                "tube {specimen_id} did not arrive"
            ),
            MissingTube => say!(lang, "採取管が入っていません", "no tube is in the package"),
            MissingItem { item, specimen_id } => {
                let name = checklist_item_name(*item, lang);
                let code = item.code();
                match specimen_id {
                    Some(id) => say!(
                        lang,
                        "「{name}」（採取管 {id}）",
                        "{code} ({name}) not done for tube {id}"
                    ),
                    None => say!(lang, "「{name}」", "{code} ({name}) not done"),
                }
            }
            MissingSlipField { field } => {
                let (ja, en) = match field.as_str() {
                    "consignee.name" => ("受取人の名称", "consignee name"),
                    "consignee.address" => ("受取人の住所", "consignee address"),
                    "consignee.phone" => ("受取人の電話番号", "consignee phone"),
                    "shipper.name" => (
                        "差出人の名称（kentai.toml の site.facility_name）",
                        "shipper name (site.facility_name)",
                    ),
                    "shipper.address" => (
                        "差出人の住所（kentai.toml の site.address）",
                        "shipper address (site.address)",
                    ),
                    "shipper.phone" => (
                        "差出人の電話番号（kentai.toml の site.phone）",
                        "shipper phone (site.phone)",
                    ),
                    "emergency_phone" => ("24時間緊急連絡先", "24-hour emergency phone"),
                    other => (other, other),
                };
                say!(lang, "送付票の{ja}", "slip field missing: {en}")
            }
            MissingPacker => say!(
                lang,
                "ゆうパックには包装責任者の氏名が必要です",
                "Yu-Pack needs the name of the certified packaging responsible person"
            ),
            MissingPackerCertificate => say!(
                lang,
                "ゆうパックには包装責任者の証明書番号が必要です",
                "Yu-Pack needs the packer's certificate id"
            ),
        }
    }
}

/// One of every entry, for the catalogue's tests. The `match` below fails
/// to compile for a new entry until it has an arm there, beside the list
/// its sample belongs in.
#[cfg(test)]
pub(super) fn samples() -> Vec<RuleMsg> {
    use RuleMsg::*;
    let at = DateTime::parse_from_rfc3339("2026-12-06T09:30:00+09:00").unwrap_or_default();
    let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap_or_default();
    let all = vec![
        CollectionInFuture { at },
        OnsetAfterCollection {
            onset: day,
            collected: day,
        },
        SalivaWindowExceeded { day: 10, max: 9 },
        SalivaOnsetUnknown,
        SerumNeedsOnset,
        SerumAcuteLate { day: 9 },
        SerumConvalescentEarly { day: 10 },
        PpeIncomplete {
            specimen_type: SpecimenType::NasopharyngealSwab,
            missing: vec![PpeNeed::N95Class, PpeNeed::Gown],
        },
        NoRespiratorySpecimen {
            specimen_type: SpecimenType::Stool,
            days: 14,
        },
        Overridden {
            refusal: Box::new(Msg::Rule(SalivaWindowExceeded { day: 10, max: 9 })),
        },
        KitExpired {
            gtin: "04912345000019".into(),
            expiry: day,
            collected: day,
        },
        UnknownKit {
            gtin: "04912345000019".into(),
        },
        KitSwabMaterial {
            gtin: "04912345000019".into(),
            description: "kit".into(),
            material: SwabMaterial::Cotton,
        },
        KitTypeMismatch {
            gtin: "04912345000019".into(),
            description: "kit".into(),
            catalogued: SpecimenType::Saliva,
            registered: SpecimenType::Sputum,
        },
        StorageBeforeCollection { at, collected: at },
        StorageInFuture { at },
        StorageBeforeLast { at, last: at },
        AmbientTooLong {
            minutes: 90,
            grace: 60,
        },
        FreezeThaw {
            class: StorageClass::Fridge4c,
            cycle: 1,
        },
        Minus20Refused,
        Minus20Flagged,
        Minus20Stored,
        FreezeThawCycles { count: 2 },
        WrongStorageClass {
            specimen_type: SpecimenType::SerumAcute,
            class: StorageClass::Fridge4c,
        },
        StorageDeadlineExceeded { hours: 48 },
        PackedPastDeadline { hours: 48 },
        UnfrozenAtDispatch {
            hours: 49.5,
            limit: 48,
        },
        DryIceInSecondary,
        DryIceNeedsWeight,
        DryIceWeightRange { max: 200.0 },
        DryIceWeightOnlyForDryIce,
        DryIceWithoutOverpack,
        PriorityViolation {
            specimen_type: SpecimenType::Sputum,
            specimen_id: "T-1".into(),
            priority: 1,
        },
        ConsultationRequired,
        ResultBeforeCollection { at, collected: at },
        ResultInFuture { at },
        CorrectionNeedsReason { version: 1 },
        NotAwaitingRelease {
            version: 1,
            status: ResultStatus::Released,
        },
        SamePersonRelease { version: 1 },
        VersionReplaced { version: 1, by: 2 },
        ResultCorrected {
            version: 2,
            reason: Some("retest".into()),
        },
        ResultCorrected {
            version: 2,
            reason: None,
        },
        ResultAwaitingRelease { version: 1 },
        ForTube {
            specimen_id: "T-1".into(),
            inner: Box::new(Msg::Rule(ConsultationRequired)),
        },
        TubeDidNotArrive {
            specimen_id: "T-1".into(),
        },
        PatientCorrected { on: day },
        MissingTube,
        MissingItem {
            item: ChecklistItem::PrimaryParafilm,
            specimen_id: Some("T-1".into()),
        },
        MissingItem {
            item: ChecklistItem::TertiarySealed,
            specimen_id: None,
        },
        MissingSlipField {
            field: "consignee.phone".into(),
        },
        MissingPacker,
        MissingPackerCertificate,
    ];
    for m in &all {
        match m {
            CollectionInFuture { .. }
            | OnsetAfterCollection { .. }
            | SalivaWindowExceeded { .. }
            | SalivaOnsetUnknown
            | SerumNeedsOnset
            | SerumAcuteLate { .. }
            | SerumConvalescentEarly { .. }
            | PpeIncomplete { .. }
            | NoRespiratorySpecimen { .. }
            | Overridden { .. }
            | KitExpired { .. }
            | UnknownKit { .. }
            | KitSwabMaterial { .. }
            | KitTypeMismatch { .. }
            | StorageBeforeCollection { .. }
            | StorageInFuture { .. }
            | StorageBeforeLast { .. }
            | AmbientTooLong { .. }
            | FreezeThaw { .. }
            | Minus20Refused
            | Minus20Flagged
            | Minus20Stored
            | FreezeThawCycles { .. }
            | WrongStorageClass { .. }
            | StorageDeadlineExceeded { .. }
            | PackedPastDeadline { .. }
            | UnfrozenAtDispatch { .. }
            | DryIceInSecondary
            | DryIceNeedsWeight
            | DryIceWeightRange { .. }
            | DryIceWeightOnlyForDryIce
            | DryIceWithoutOverpack
            | PriorityViolation { .. }
            | ConsultationRequired
            | ResultBeforeCollection { .. }
            | ResultInFuture { .. }
            | CorrectionNeedsReason { .. }
            | NotAwaitingRelease { .. }
            | SamePersonRelease { .. }
            | VersionReplaced { .. }
            | ResultCorrected { .. }
            | ResultAwaitingRelease { .. }
            | ForTube { .. }
            | TubeDidNotArrive { .. }
            | PatientCorrected { .. }
            | MissingTube
            | MissingItem { .. }
            | MissingSlipField { .. }
            | MissingPacker
            | MissingPackerCertificate => {}
        }
    }
    all
}
