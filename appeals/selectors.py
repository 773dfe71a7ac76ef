"""Reads for appeal pages and the API. Borrower reads are scoped to the asking login, so a
guessed id is a 404; staff reads check the view permission."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.timesince import timesince, timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.credit.reasons import reasons_for
from accounts.models import ClosureRequest, LimitChange, RiskSignal
from accounts.risk.records import decision_record_present, limit_change_record
from appeals.decision_records import closure_request_appeal_deadline, limit_change_appealable
from appeals.models import Appeal, AppealEvent, AppealMessage, EvidenceFile
from portal.deadlines import deadline_profile

REVIEW_PERMISSION = "appeals.review_appeal"  # the same as appeals.services.REVIEW_PERMISSION


def appeal_list(*, user):
    return (
        Appeal.objects.for_customer(user)
        .select_related("limit_change__account__product", "closure_request__account__product")
        .order_by("-created_at", "-pk")
    )


def appeal_get(*, user, appeal_id):
    return get_object_or_404(appeal_list(user=user), pk=appeal_id)


def appeal_thread(*, appeal, staff=False):
    """Messages (borrowers see only public ones), evidence and timeline, in order."""
    messages = AppealMessage.objects.filter(appeal=appeal).select_related("author")
    events = AppealEvent.objects.filter(appeal=appeal).select_related("actor")
    if not staff:
        messages = messages.filter(visibility=AppealMessage.Visibility.PUBLIC)
        events = events.filter(public=True)
    return {
        "thread_messages": list(messages),
        "events": list(events),
        "evidence": list(EvidenceFile.objects.filter(appeal=appeal)),
    }


def appealable_change_get(*, user, change_id):
    """A decision on the borrower's own account that can be appealed, with its reasons resolved."""
    change = get_object_or_404(
        LimitChange.objects.for_user(user).select_related("account__product"),
        pk=change_id,
    )
    if not limit_change_appealable(change):
        raise Http404
    change.reasons = reasons_for(change.reason_codes)
    return change


def open_appeal_for_change(*, change):
    return Appeal.objects.open().filter(limit_change=change).first()


def appealable_closure_request_get(*, user, request_id):
    """A closure request of the borrower's own that we rejected, with its appeal deadline."""
    closure_request = get_object_or_404(
        ClosureRequest.objects.for_user(user).select_related("account__product"), pk=request_id
    )
    closure_request.appeal_deadline = closure_request_appeal_deadline(closure_request)
    if closure_request.appeal_deadline is None:
        raise Http404
    return closure_request


def open_appeal_for_closure_request(*, closure_request):
    return Appeal.objects.open().filter(closure_request=closure_request).first()


def evidence_get(*, user, evidence_id):
    """An evidence file the asker may download: their own, or any for staff allowed to view
    appeals. Another borrower's (or a guessed id) is a 404; staff without permission get 403."""
    evidence = get_object_or_404(
        EvidenceFile.objects.select_related("appeal__limit_change__account", "appeal__closure_request__account"),
        pk=evidence_id,
    )
    if user.is_staff and user.has_perm("appeals.view_appeal"):
        return evidence
    if user.customer_id is not None and evidence.appeal.account.customer_id == user.customer_id:
        return evidence
    if user.is_staff:
        raise PermissionDenied
    raise Http404


def _when(moment):
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _next_step(appeal):
    """What happens next, and by when, in plain words."""
    Status = Appeal.Status
    profile = deadline_profile(appeal.jurisdiction)
    due = _when(appeal.due_at)
    if appeal.status == Status.SUBMITTED:
        return _("A reviewer will pick up your appeal soon. We will decide by %(due)s.") % {"due": due}
    if appeal.status == Status.UNDER_REVIEW:
        return _("A reviewer is looking at your appeal. We will decide by %(due)s.") % {"due": due}
    if appeal.status == Status.INFORMATION_REQUESTED:
        answer_by = _when(profile.information_answer_by(appeal.information_requested_at))
        return _(
            "We need more information from you: see our message below and answer by %(answer_by)s. "
            "The deadline for our decision is paused until you answer; without an answer we close the appeal."
        ) % {"answer_by": answer_by}
    if appeal.status == Status.AWAITING_APPROVAL:
        return _("We have reached a decision and a supervisor is checking it. You will hear from us by %(due)s.") % {
            "due": due
        }
    if appeal.status == Status.DECIDED:
        return _decided_next_step(appeal, profile)
    if appeal.status == Status.SECOND_REVIEW:
        return _(
            "A supervisor who took no part in the first decision is reviewing your appeal. We will decide by %(due)s."
        ) % {"due": due}
    if appeal.status == Status.WITHDRAWN:
        return _("You withdrew this appeal. Nothing more will happen.")
    if appeal.close_reason == Appeal.CloseReason.UNANSWERED:
        return _(
            "We closed this appeal because we did not receive the information we asked for. "
            "You can appeal again while the decision's appeal deadline has not passed."
        )
    return _("This appeal is closed. If you are still unhappy, you can complain to the financial regulator.")


def _decided_next_step(appeal, profile):
    if appeal.outcome == Appeal.Outcome.UPHELD:
        until = _when(profile.second_review_until(appeal.decided_at))
        return _(
            "We upheld the decision. You can ask for a second-level review by a supervisor until %(until)s, "
            "or complain to the financial regulator."
        ) % {"until": until}
    if appeal.closure_request_id:
        return _("We decided in your favour and carried out your request as described below.")
    return _("We decided in your favour and your credit line has been restored as described below.")


def appeal_tracker(*, appeal):
    """The parcel-style tracker: the steps, which one the appeal is at, and what happens next
    (and by when) in plain words."""
    Status = Appeal.Status
    order = [
        (Status.SUBMITTED, _("Received")),
        (Status.UNDER_REVIEW, _("Under review")),
        ("decision", _("Decision")),
        (Status.CLOSED, _("Closed")),
    ]
    position = {
        Status.SUBMITTED: 0,
        Status.UNDER_REVIEW: 1,
        Status.INFORMATION_REQUESTED: 1,
        Status.AWAITING_APPROVAL: 1,
        Status.SECOND_REVIEW: 2,
        Status.DECIDED: 2,
        Status.CLOSED: 3,
        Status.WITHDRAWN: 3,
    }[appeal.status]
    steps = [
        {
            "label": label,
            "state": "done" if index < position else ("current" if index == position else "upcoming"),
        }
        for index, (_code, label) in enumerate(order)
    ]
    return {"steps": steps, "next_step": _next_step(appeal)}


# --- staff -------------------------------------------------------------------------------------


def appeal_review_get(*, appeal_id):
    """Everything the review page shows, in a fixed number of queries."""
    appeal = get_object_or_404(
        Appeal.objects.select_related(
            "limit_change__account__product",
            "limit_change__account__customer",
            "limit_change__clearance_case__proposer",
            "limit_change__clearance_case__reviewer",
            "limit_change__policy_version",
            "closure_request__account__product",
            "closure_request__account__customer",
            "submitted_by",
            "assignee",
            "decided_by",
            "second_reviewer",
            "restoration",
        ).prefetch_related(Prefetch("approvals")),
        pk=appeal_id,
    )
    change = appeal.limit_change
    if change is None:  # an appeal against a rejected closure request
        return {
            "appeal": appeal,
            "change": None,
            "closure_request": appeal.closure_request,
            "reasons": [],
            "signals": [],
            **appeal_thread(appeal=appeal, staff=True),
        }
    # The decision record as filed with the appeal (older appeals: as the ledger holds it now).
    record = appeal.decision_snapshot.get("record") or limit_change_record(change)
    signals = list(
        RiskSignal.objects.filter(account_id=change.account_id, observed_at__lte=change.effective_at).order_by(
            "-observed_at"
        )[:10]
    )
    return {
        "appeal": appeal,
        "change": change,
        "clearance_case": getattr(change, "clearance_case", None) if change.kind == "clearance" else None,
        "reasons": reasons_for(change.reason_codes),
        "signals": signals,
        "decision_record": decision_record_present(record),
        **appeal_thread(appeal=appeal, staff=True),
    }


def appeal_decision_get(*, appeal):
    """The decision under appeal with its reasons resolved, for the borrower's page (None for
    an appeal against a rejected closure request: the page shows the request instead)."""
    change = appeal.limit_change
    if change is None:
        return None
    change.reasons = reasons_for(change.reason_codes)
    return change


# --- the staff workbench: queue, time left, CSV rows, decision preview -------------------------

URGENCY_SOON = timedelta(days=3)
URGENCY_DAY = timedelta(days=1)


def appeal_time_left(appeal, now=None):
    """How urgent an open appeal is, as a level (for the colour) and words (never colour alone):
    overdue, due within a day, within 3 days, on time; paused while the borrower owes an answer."""
    now = now or timezone.now()
    if appeal.status not in Appeal.OPEN_STATUSES or appeal.status == Appeal.Status.AWAITING_APPROVAL:
        return {"level": "done", "label": "", "text": "—"}
    if appeal.status == Appeal.Status.INFORMATION_REQUESTED:
        return {"level": "paused", "label": _("Paused"), "text": _("waiting for the borrower's answer")}
    left = appeal.due_at - now
    if left < timedelta(0):
        label, text = _("Overdue"), _("%(time)s late") % {"time": timesince(appeal.due_at, now, depth=1)}
        return {"level": "overdue", "label": label, "text": text}
    text = _("%(time)s left") % {"time": timeuntil(appeal.due_at, now, depth=1)}
    if left < URGENCY_DAY:
        return {"level": "day", "label": _("Due within a day"), "text": text}
    if left < URGENCY_SOON:
        return {"level": "soon", "label": _("Due within 3 days"), "text": text}
    return {"level": "fine", "label": pgettext("appeal deadline", "On time"), "text": text}


def appeal_reviewers():
    """Active staff who may review appeals: the people an appeal can be assigned to."""
    codename = REVIEW_PERMISSION.split(".")[1]
    allowed = Q(groups__permissions__codename=codename) | Q(user_permissions__codename=codename)
    return (
        get_user_model()
        .objects.filter(allowed | Q(is_superuser=True), is_active=True, is_staff=True)
        .distinct()
        .order_by("email")
    )


CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value):
    """A cell a spreadsheet will not run as a formula (OWASP "CSV injection")."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(CSV_FORMULA_STARTS) else text


def appeal_queue_rows(queryset, now=None):
    """The staff queue as CSV rows (header first): what the queue page shows, nothing more."""
    now = now or timezone.now()
    header = [
        _("reference"),
        _("status"),
        _("grounds"),
        _("deadline profile"),
        _("credit line"),
        _("assignee"),
        _("submitted"),
        _("decision due"),
        _("time left"),
    ]
    rows = [header]
    appeals = queryset.select_related("limit_change__account", "closure_request__account", "assignee")
    for appeal in appeals:
        urgency = appeal_time_left(appeal, now)
        row = [
            appeal.reference,
            appeal.get_status_display(),
            appeal.get_grounds_display(),
            appeal.jurisdiction,
            appeal.account.external_id,
            appeal.assignee.get_username() if appeal.assignee else "",
            _when(appeal.created_at),
            _when(appeal.due_at),
            " ".join(part for part in (str(urgency["label"]), str(urgency["text"])) if part and part != "—"),
        ]
        rows.append([csv_safe(cell) for cell in row])
    return rows


def appeal_restoration_get(*, appeal):
    """What each outcome gives back, for the decision form: the limit before and after the
    decision, the limit now, and the amount above which a supervisor must approve."""
    change = appeal.limit_change
    if change is None:
        return None
    return {
        "currency": change.account.product.currency,
        "previous_limit": change.previous_limit,
        "decided_limit": change.new_limit,
        "current_limit": change.account.credit_limit,
        "four_eyes_amount": settings.APPEAL_FOUR_EYES_RESTORE_AMOUNT,
        "always_four_eyes": change.kind == LimitChange.Kind.CLEARANCE,
    }
