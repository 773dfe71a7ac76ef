"""The closure-request wizard: four server-rendered screens, each its own URL (so the back
button and bookmarks work without JavaScript), then the receipt (the fifth) and withdrawal:

1. choose: what to do, and the new limit when lowering;
2. impact: what changes and what does not, and the reason (the services' steps 2 and 3);
3. verify: the step-up, the password again and the emailed (or authenticator) code on one form;
4. confirm: the summary and one button;
5. the receipt.

Thin: every rule is in accounts.closure.services; a screen reached out of order sends the
borrower to the first open one, so a draft resumes where it stopped, in any session."""

import functools

from allauth.account.internal.flows.reauthentication import is_reauthentication_required, reauthenticate_by_password
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from accounts.closure import selectors, services
from accounts.closure.forms import ChoiceForm, ImpactReasonForm, VerifyForm
from accounts.credit import selectors as credit_selectors
from accounts.models import ClosureRequest
from portal.exceptions import PortalError

STEPS = ["choose", "impact", "verify", "confirm"]
STEP_TITLES = {
    "choose": gettext_lazy("What would you like to do?"),
    "impact": gettext_lazy("What this changes, and why"),
    "verify": gettext_lazy("Confirm it is you"),
    "confirm": gettext_lazy("Check and submit"),
}
# The screen that follows ``closure_request_steps_done`` steps of the services (0 to 4).
SCREEN_AFTER_STEPS = ["choose", "impact", "impact", "verify", "confirm"]


def _step_url(closure_request, step):
    return reverse(
        f"closure_{step}", kwargs={"account_id": closure_request.account_id, "request_id": closure_request.pk}
    )


def _receipt_url(closure_request):
    return reverse(
        "closure_receipt", kwargs={"account_id": closure_request.account_id, "request_id": closure_request.pk}
    )


def _render_step(request, step, context):
    number = STEPS.index(step) + 1
    closure_request = context.get("closure_request")
    previous_url = reverse("dashboard")
    if number > 1:
        previous_url = _step_url(closure_request, STEPS[number - 2])
    context = {
        **context,
        "step": step,
        "step_number": number,
        "step_count": len(STEPS),
        "step_title": STEP_TITLES[step],
        "previous_url": previous_url,
        "cooling_off_hours": settings.CLOSURE_COOLING_OFF_HOURS,
    }
    return render(request, f"accounts/closure/{step}.html", context)


def _open_screen(closure_request):
    """The first screen of a draft that is not done yet."""
    return SCREEN_AFTER_STEPS[services.closure_request_steps_done(closure_request)]


def _next_step_url(closure_request):
    return _step_url(closure_request, _open_screen(closure_request))


def _draft_or_redirect(request, account_id, request_id, step):
    """(account, draft, None) for a draft whose earlier steps are done, else (.., .., response)."""
    account = credit_selectors.credit_account_get(user=request.user, account_id=account_id)
    closure_request = selectors.closure_draft_get(user=request.user, account=account, closure_request_id=request_id)
    if closure_request.status != ClosureRequest.Status.DRAFT:
        messages.info(
            request,
            _("Request %(reference)s has already been submitted; here is its receipt.")
            % {"reference": closure_request.reference},
        )
        return account, closure_request, redirect(_receipt_url(closure_request))
    open_screen = _open_screen(closure_request)
    if STEPS.index(step) > STEPS.index(open_screen):
        messages.warning(
            request,
            _("Please complete step %(number)s of %(count)s first.")
            % {"number": STEPS.index(open_screen) + 1, "count": len(STEPS)},
        )
        return account, closure_request, redirect(_step_url(closure_request, open_screen))
    return account, closure_request, None


def _wizard_step(step):
    """A view for ``step`` of a draft: called as ``view(request, account, closure_request)`` once
    the draft is found and its earlier steps are done; otherwise the borrower is sent on."""

    def decorate(view):
        @functools.wraps(view)
        def wrapper(request, account_id, request_id):
            account, closure_request, response = _draft_or_redirect(request, account_id, request_id, step)
            return response or view(request, account, closure_request)

        return wrapper

    return decorate


def _posted(request):
    """The submitted data on POST (even when empty, so that required fields say so), else None."""
    return request.POST if request.method == "POST" else None


def _form_step_submit(request, form, action, next_step):
    """On a valid POST, ``action(form.cleaned_data)`` (a service returning the request; the forms'
    fields are named as the services' arguments) and a redirect to ``next_step``; None when there
    is nothing to submit or the service refused (its error is then on the form)."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        closure_request = action(form.cleaned_data)
    except PortalError as error:
        error.add_to_form(form)
        return None
    return redirect(_step_url(closure_request, next_step))


def _kinds_or_blocked(request, account):
    """(the choices this line allows, None), or (None, the page saying why there are none)."""
    try:
        return services.closure_kinds_allowed(account=account), None
    except PortalError as error:
        return None, render(request, "accounts/closure/blocked.html", {"account": account, "why": error.message})


def _choice_context(account, kinds):
    allowed = services.lower_limit_range(account=account)
    return {"account": account, "kinds": kinds, "lower_range": allowed}


@login_required
def closure_entry(request):
    """'Manage my limit' from account settings: straight to the line, or a choice of lines."""
    accounts = list(credit_selectors.credit_account_list(user=request.user))
    if len(accounts) == 1:
        return redirect("closure_start", account_id=accounts[0].pk)
    return render(request, "accounts/closure/entry.html", {"accounts": accounts})


@login_required
@require_http_methods(["GET", "POST"])
def closure_start(request, account_id):
    """Step 1 for a new request; an open request is shown instead of starting a second one."""
    account = credit_selectors.credit_account_get(user=request.user, account_id=account_id)
    kinds, blocked = _kinds_or_blocked(request, account)
    if blocked:
        return blocked
    open_request = selectors.closure_request_open_get(account=account)
    if open_request is not None and open_request.status == ClosureRequest.Status.SUBMITTED:
        messages.info(
            request,
            _("You already have a request in its cooling-off period (%(reference)s). You can withdraw it here.")
            % {"reference": open_request.reference},
        )
        return redirect(_receipt_url(open_request))
    if open_request is not None and not open_request.draft_expired(timezone.now()):
        messages.info(request, _("You have an unfinished request for this line; continue where you left off."))
        return redirect(_next_step_url(open_request))
    form = ChoiceForm(_posted(request), account=account, kinds=kinds)
    submitted = _form_step_submit(
        request,
        form,
        lambda data: services.closure_request_draft_create(user=request.user, account=account, request=request, **data),
        "impact",
    )
    return submitted or _render_step(request, "choose", {"form": form, **_choice_context(account, kinds)})


@login_required
@require_http_methods(["GET", "POST"])
@_wizard_step("choose")
def closure_choose(request, account, closure_request):
    """Step 1 again, for a draft (the borrower came back with the back link or button)."""
    kinds, blocked = _kinds_or_blocked(request, account)
    if blocked:
        return blocked
    initial = {"kind": closure_request.kind, "target_limit": closure_request.target_limit}
    form = ChoiceForm(_posted(request), initial=initial, account=account, kinds=kinds)
    submitted = _form_step_submit(
        request,
        form,
        lambda data: services.closure_request_choice_update(
            closure_request=closure_request, user=request.user, request=request, **data
        ),
        "impact",
    )
    context = {"form": form, "closure_request": closure_request, **_choice_context(account, kinds)}
    return submitted or _render_step(request, "choose", context)


def _impact_and_reason_submit(request, closure_request, data):
    """Save the second screen, then email the code the next screen asks for (when none waits):
    a code that cannot be sent is explained there, where a new one can be asked for."""
    closure_request = services.closure_request_impact_and_reason_set(
        closure_request=closure_request,
        user=request.user,
        reason=data["reason"],
        reason_text=data["reason_text"],
        request=request,
    )
    try:
        services.closure_verification_code_ensure(closure_request=closure_request, user=request.user, request=request)
    except PortalError as error:
        messages.error(request, error.message)
    return closure_request


@login_required
@require_http_methods(["GET", "POST"])
@_wizard_step("impact")
def closure_impact(request, account, closure_request):
    """Screen 2: what changes and what does not, and the reason, on one form."""
    initial = {
        "understood": closure_request.impact_acknowledged_at is not None,
        "reason": closure_request.reason,
        "reason_text": closure_request.reason_text,
    }
    form = ImpactReasonForm(_posted(request), initial=initial)
    submitted = _form_step_submit(
        request, form, lambda data: _impact_and_reason_submit(request, closure_request, data), "verify"
    )
    context = {
        "form": form,
        "account": account,
        "closure_request": closure_request,
        "installments": list(credit_selectors.repayment_schedule(account=account).exclude(status="paid")[:6]),
        "currency": account.product.currency,
    }
    return submitted or _render_step(request, "impact", context)


@login_required
@_wizard_step("impact")
def closure_reason(request, account, closure_request):
    """The reason used to have a screen of its own; a link to it (kept in a browser's history
    for a day at most) lands on the screen that holds it now."""
    return redirect(_step_url(closure_request, "impact"))


def _code_sent_message(request):
    return _("We sent a 6-digit code to %(email)s. It is valid for 10 minutes.") % {"email": request.user.email}


def _verification_code_send(request, closure_request):
    """The "send me a new code" button: a message either way, then back to the verify screen."""
    try:
        services.closure_verification_code_send(closure_request=closure_request, user=request.user, request=request)
    except PortalError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _code_sent_message(request))
    return redirect(_step_url(closure_request, "verify"))


def _step_up(request, form, closure_request):
    """The password (allauth's reauthentication, recorded in the session so a wrong code does
    not ask for it again) and then the code (the services). True when both passed."""
    if not form.is_valid():
        return False
    if "password" in form.fields:
        reauthenticate_by_password(request)
    try:
        services.closure_request_verify(
            closure_request=closure_request, user=request.user, code=form.cleaned_data["code"], request=request
        )
    except PortalError as error:
        error.add_to_form(form)
        return False
    return True


def _code_label(method):
    if method == ClosureRequest.Verification.TOTP:
        return _("6-digit code from your authenticator app")
    return _("6-digit code from the email")


@login_required
@require_http_methods(["GET", "POST"])
@_wizard_step("verify")
def closure_verify(request, account, closure_request):
    """Screen 3, the step-up on one form: the password again (a fresh sign-in does not count)
    and a code from the authenticator app, or the one emailed as the borrower left screen 2.
    Once passed it holds for this draft for ``services.VERIFICATION_LIFETIME``, in any session."""
    if request.method == "POST" and request.POST.get("action") == "send":
        return _verification_code_send(request, closure_request)
    method = services.closure_verification_method(user=request.user)
    form = VerifyForm(
        _posted(request),
        user=request.user,
        needs_password=is_reauthentication_required(request, app=""),
        code_label=_code_label(method),
    )
    if request.method == "POST" and _step_up(request, form, closure_request):
        return redirect(_step_url(closure_request, "confirm"))
    if not is_reauthentication_required(request, app=""):
        form.fields.pop("password", None)  # confirmed a moment ago: only the code is asked again
    closure_request.refresh_from_db()
    context = {
        "form": form,
        "account": account,
        "closure_request": closure_request,
        "method": method,
        "asks_password": "password" in form.fields,
        "code_active": services.closure_verification_code_active(closure_request),
        "verified": services.closure_request_steps_done(closure_request) >= 4,
        "verified_minutes": int(services.VERIFICATION_LIFETIME.total_seconds() // 60),
    }
    return _render_step(request, "verify", context)


@login_required
@require_http_methods(["GET", "POST"])
@_wizard_step("confirm")
def closure_confirm(request, account, closure_request):
    error_message = None
    if request.method == "POST":
        try:
            closure_request = services.closure_request_submit(
                closure_request=closure_request, user=request.user, request=request
            )
        except PortalError as error:
            error_message = error.message
        else:
            messages.success(
                request,
                _("Your request %(reference)s is submitted. A copy of this receipt is in your notices and email.")
                % {"reference": closure_request.reference},
            )
            return redirect(_receipt_url(closure_request))
    context = {"account": account, "closure_request": closure_request, "error_message": error_message}
    return _render_step(request, "confirm", context)


def _receipt_context(request, account_id, request_id):
    account = credit_selectors.credit_account_get(user=request.user, account_id=account_id)
    closure_request = selectors.closure_request_get(user=request.user, closure_request_id=request_id, account=account)
    context = services.closure_receipt_context(closure_request=closure_request)
    context["can_withdraw"] = _in_cooling_off(closure_request)
    context["state"] = _receipt_state(closure_request)
    context["ledger_change"] = closure_request.limit_change
    return closure_request, context


def _in_cooling_off(closure_request, now=None):
    return closure_request.status == ClosureRequest.Status.SUBMITTED and closure_request.cooling_off_ends_at > (
        now or timezone.now()
    )


def _receipt_state(closure_request, now=None):
    """What the receipt and the request list say about a request: ``cooling_off`` (it takes
    effect when the window ends), ``due`` (the window has ended and it is being applied), or its
    final status (completed, withdrawn, rejected, expired), which the ledger and status decide."""
    if closure_request.status == ClosureRequest.Status.SUBMITTED:
        return "cooling_off" if _in_cooling_off(closure_request, now) else "due"
    return closure_request.status


@login_required
def closure_receipt(request, account_id, request_id):
    closure_request, context = _receipt_context(request, account_id, request_id)
    if closure_request.status == ClosureRequest.Status.DRAFT:
        return redirect(_next_step_url(closure_request))
    return render(request, "accounts/closure/receipt.html", context)


@login_required
def closure_receipt_download(request, account_id, request_id):
    """The receipt as plain text, to keep."""
    closure_request, context = _receipt_context(request, account_id, request_id)
    if closure_request.status == ClosureRequest.Status.DRAFT:
        return redirect(_next_step_url(closure_request))
    text = render_to_string("accounts/closure/receipt.txt", context, request=request)
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{closure_request.reference}.txt"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def closure_withdraw(request, account_id, request_id):
    """GET asks for confirmation (links from emails land here); POST withdraws at once (the
    receipt's button posts straight here, so withdrawing is one click)."""
    closure_request, context = _receipt_context(request, account_id, request_id)
    if request.method == "POST":
        try:
            services.closure_request_withdraw(closure_request=closure_request, user=request.user, request=request)
        except PortalError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("Request %(reference)s is withdrawn. Nothing changes on your credit line.")
                % {"reference": closure_request.reference},
            )
        return redirect(_receipt_url(closure_request))
    return render(request, "accounts/closure/withdraw_confirm.html", context)


@login_required
def closure_request_list(request, account_id):
    account = credit_selectors.credit_account_get(user=request.user, account_id=account_id)
    now = timezone.now()
    requests = [
        {"request": item, "state": _receipt_state(item, now)}
        for item in selectors.closure_request_list(user=request.user, account=account)
    ]
    return render(request, "accounts/closure/request_list.html", {"account": account, "requests": requests})
