"""Existing notices become data where their parameters can be recovered: limit-change notices
from their ledger row, early warnings from their risk decision. Their stored text (what was
sent) is kept; notices that cannot be recovered keep showing that text. What the borrower could
borrow at the time is not recorded anywhere else, so recovered notices leave it out.

Labels come from the choices' English words through the catalogues (the historical models hold
no translations, and this bottom layer imports no app above it)."""

from django.conf import settings
from django.db import migrations
from django.urls import NoReverseMatch, reverse
from django.utils import translation

BATCH = 500


def _localised(words):
    text = {}
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            text[language] = translation.gettext(words) if words else ""
    return {"$text": text}


def _article_path(slug):
    if not slug:
        return ""
    try:
        return {"$url": reverse("education:article_detail", kwargs={"slug": slug})}
    except NoReverseMatch:
        return ""


def _reasons(codes, catalogue):
    reasons = []
    for code in codes or []:
        reason = catalogue.get(code)
        if reason is None:
            continue
        reasons.append(
            {
                "code": code,
                "title": {"$text": {"zh-hans": reason.title_zh, "en": reason.title_en}},
                "explanation": {"$text": {"zh-hans": reason.explanation_zh, "en": reason.explanation_en}},
                "remedy": {"$text": {"zh-hans": reason.remedy_zh, "en": reason.remedy_en}},
                "article_url": _article_path(reason.article_slug),
            }
        )
    return reasons


def _moment(value):
    return {"$moment": value.isoformat()} if value is not None else ""


def _limit_change_params(change, catalogue, kinds, statuses):
    currency = change.account.product.currency
    return {
        "account": {"external_id": change.account.external_id},
        "kind": {"$fixed": change.kind},
        "kind_label": _localised(kinds.get(change.kind, change.kind)),
        "limit_changed": change.previous_limit != change.new_limit,
        "previous_limit": {"$money": str(change.previous_limit), "currency": currency},
        "new_limit": {"$money": str(change.new_limit), "currency": currency},
        "previous_status": _localised(statuses.get(change.previous_status, change.previous_status)),
        "new_status": _localised(statuses.get(change.new_status, change.new_status)),
        "status_changed": change.previous_status != change.new_status,
        "available_credit": "",
        "effective_at": _moment(change.effective_at),
        "reasons": _reasons(change.reason_codes, catalogue),
        "appeal_deadline": _moment(change.appeal_deadline),
    }


def _save(Notification, rows):
    Notification.objects.bulk_update(rows, ["template", "params"], batch_size=BATCH)


def backfill(apps, schema_editor):
    Notification = apps.get_model("portal", "Notification")
    LimitChange = apps.get_model("accounts", "LimitChange")
    RiskDecision = apps.get_model("accounts", "RiskDecision")
    ReasonCode = apps.get_model("accounts", "ReasonCode")
    catalogue = {reason.code: reason for reason in ReasonCode.objects.all()}
    kinds = dict(LimitChange._meta.get_field("kind").flatchoices)
    statuses = dict(apps.get_model("accounts", "CreditAccount")._meta.get_field("status").flatchoices)
    rows = []
    changes = LimitChange.objects.filter(notice__isnull=False, notice__template="").select_related(
        "account__product", "notice"
    )
    for change in changes.iterator(chunk_size=BATCH):
        notice = change.notice
        notice.template, notice.params = "limit_change", _limit_change_params(change, catalogue, kinds, statuses)
        rows.append(notice)
    warnings = RiskDecision.objects.filter(notice__isnull=False, notice__template="").select_related(
        "account", "notice"
    )
    for decision in warnings.iterator(chunk_size=BATCH):
        notice = decision.notice
        notice.template = "risk_watch"
        notice.params = {
            "account": {"external_id": decision.account.external_id},
            "reasons": _reasons(decision.reason_codes, catalogue),
        }
        rows.append(notice)
    for start in range(0, len(rows), BATCH):
        _save(Notification, rows[start : start + BATCH])


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0008_h15n_notice_params"),
        ("accounts", "0021_api_token_usage_existing"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True)]
