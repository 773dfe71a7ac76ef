"""Borrower pages: file an appeal from a decision, follow it, answer, withdraw; and the one view
that serves evidence files."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from appeals import selectors, services
from appeals.evidence import download_name, evidence_path
from appeals.forms import AppealForm, ReplyForm, SecondReviewForm
from portal.exceptions import PortalError


@login_required
def appeal_list(request):
    page = Paginator(selectors.appeal_list(user=request.user), 20).get_page(request.GET.get("page"))
    return render(request, "appeals/appeal_list.html", {"page": page})


def _appeal_form(request, *, decision, outcomes, initial=None, context):
    """The appeal form against one decision (``decision`` is the service's keyword for it: a
    ledger row or a rejected closure request), and its submission."""
    form = AppealForm(request.POST or None, request.FILES or None, outcomes=outcomes, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = services.appeal_submit(
                user=request.user,
                grounds=form.cleaned_data["grounds"],
                statement=form.cleaned_data["statement"],
                desired_outcome=form.cleaned_data["desired_outcome"],
                files=form.cleaned_data["files"],
                request=request,
                **decision,
            )
        except PortalError as error:
            error.add_to_form(form)
        else:
            messages.success(
                request,
                _("We received your appeal %(reference)s. You will find every step here.")
                % {"reference": appeal.reference},
            )
            return redirect("appeals:detail", appeal_id=appeal.pk)
    return render(request, "appeals/appeal_form.html", {"form": form, **context})


@login_required
def appeal_create(request, change_id):
    change = selectors.appealable_change_get(user=request.user, change_id=change_id)
    return _appeal_form(
        request,
        decision={"limit_change": change},
        outcomes=services.desired_outcomes_for(),
        context={"change": change, "existing": selectors.open_appeal_for_change(change=change)},
    )


@login_required
def appeal_create_for_closure_request(request, request_id):
    """Appeal a closure request we could not apply (the borrower's own request, rejected)."""
    closure_request = selectors.appealable_closure_request_get(user=request.user, request_id=request_id)
    outcomes = services.desired_outcomes_for(closure_request=closure_request)
    existing = selectors.open_appeal_for_closure_request(closure_request=closure_request)
    return _appeal_form(
        request,
        decision={"closure_request": closure_request},
        outcomes=outcomes,
        initial={"desired_outcome": outcomes[0]},
        context={"closure_request": closure_request, "existing": existing},
    )


def _detail_context(request, appeal, **forms):
    return {
        "appeal": appeal,
        "tracker": selectors.appeal_tracker(appeal=appeal),
        "change": selectors.appeal_decision_get(appeal=appeal),
        "reply_form": forms.get("reply_form") or ReplyForm(),
        "second_review_form": forms.get("second_review_form") or SecondReviewForm(),
        **selectors.appeal_thread(appeal=appeal),
    }


@login_required
def appeal_detail(request, appeal_id):
    appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
    return render(request, "appeals/appeal_detail.html", _detail_context(request, appeal))


@login_required
@require_POST
def appeal_reply(request, appeal_id):
    appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.appeal_borrower_reply(
                appeal=appeal,
                user=request.user,
                body=form.cleaned_data["body"],
                files=form.cleaned_data["files"],
                request=request,
            )
        except PortalError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("Thank you: we received your answer."))
            return redirect("appeals:detail", appeal_id=appeal.pk)
    return render(request, "appeals/appeal_detail.html", _detail_context(request, appeal, reply_form=form), status=400)


@login_required
def appeal_withdraw(request, appeal_id):
    appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
    error = None
    if request.method == "POST":
        try:
            services.appeal_withdraw(appeal=appeal, user=request.user, request=request)
        except PortalError as failure:
            error = failure.message
        else:
            messages.success(request, _("Your appeal %(reference)s is withdrawn.") % {"reference": appeal.reference})
            return redirect("appeals:detail", appeal_id=appeal.pk)
    return render(request, "appeals/appeal_withdraw.html", {"appeal": appeal, "error": error})


@login_required
@require_POST
def appeal_second_review(request, appeal_id):
    appeal = selectors.appeal_get(user=request.user, appeal_id=appeal_id)
    form = SecondReviewForm(request.POST)
    if form.is_valid():
        try:
            services.appeal_second_review_request(
                appeal=appeal, user=request.user, reason=form.cleaned_data["reason"], request=request
            )
        except PortalError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("A supervisor will review your appeal again."))
            return redirect("appeals:detail", appeal_id=appeal.pk)
    return render(
        request, "appeals/appeal_detail.html", _detail_context(request, appeal, second_review_form=form), status=400
    )


@never_cache
@login_required
def evidence_download(request, evidence_id):
    """Always a download, never rendered inline; the browser may not guess another type."""
    evidence = selectors.evidence_get(user=request.user, evidence_id=evidence_id)
    try:
        handle = open(evidence_path(evidence.stored_name), "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        raise Http404 from None
    services.evidence_download_record(evidence=evidence, user=request.user, request=request)
    response = FileResponse(
        handle, as_attachment=True, filename=download_name(evidence), content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
