"""The borrower's repayment options: thin views over accounts.repayment.services. Each action is
confirmed on a summary first and ends on a receipt (the instruction's page)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.credit import selectors as credit_selectors
from accounts.models import RepaymentInstruction
from accounts.repayment import selectors, services
from accounts.repayment.forms import AutopayForm, DueDayForm, EarlyRepaymentForm, HardshipForm
from portal.exceptions import PortalError

Kind = RepaymentInstruction.Kind


def _account(request, account_id):
    return credit_selectors.credit_account_get(user=request.user, account_id=account_id)


def _receipt(instruction):
    return redirect("repayment_instruction", account_id=instruction.account_id, reference=instruction.reference)


def _refused_status(error):
    return error.status_code if error.status_code in (400, 409) else 400


def _current_due_day(account):
    rows = services.open_installments(account=account, today=timezone.localdate())
    return rows[0].due_date.day if rows else None


@login_required
def options(request, account_id):
    account = _account(request, account_id)
    context = {
        "account": account,
        "instructions": selectors.repayment_instruction_list(user=request.user, account=account),
        "due_day": _current_due_day(account),
    }
    return render(request, "accounts/repayment/options.html", context)


@login_required
def early_repayment(request, account_id):
    account = _account(request, account_id)
    form = EarlyRepaymentForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            amount = form.cleaned_data["amount"] if form.cleaned_data["how_much"] == "partial" else None
            try:
                quote = services.early_repayment_quote(
                    user=request.user, account_id=account.pk, amount=amount, request=request
                )
            except PortalError as error:
                error.add_to_form(form)
                status = _refused_status(error)
            else:
                return redirect("repayment_quote", account_id=account.pk, reference=quote.reference)
    return render(request, "accounts/repayment/early.html", {"account": account, "form": form}, status=status)


@login_required
def early_repayment_quote(request, account_id, reference):
    account = _account(request, account_id)
    quote = selectors.repayment_quote_get(user=request.user, account=account, reference=reference)
    error_message, status = None, 200
    if request.method == "POST":
        try:
            instruction = services.early_repayment_request(
                user=request.user, account_id=account.pk, quote_reference=quote.reference, request=request
            )
        except PortalError as error:
            error_message, status = error.message, _refused_status(error)
        else:
            return _receipt(instruction)
    context = {"account": account, "quote": quote, "expired": quote.is_expired(), "error_message": error_message}
    return render(request, "accounts/repayment/quote.html", context, status=status)


@login_required
def due_day(request, account_id):
    account = _account(request, account_id)
    form = DueDayForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if request.POST.get("confirm") == "1":
                    instruction = services.due_day_change_request(
                        user=request.user, account_id=account.pk, due_day=form.cleaned_data["due_day"], request=request
                    )
                    return _receipt(instruction)
                new_day, moves = services.due_day_change_preview(account=account, due_day=form.cleaned_data["due_day"])
            except PortalError as error:
                error.add_to_form(form)
                status = _refused_status(error)
            else:
                context = {"account": account, "due_day": new_day, "moves": moves}
                return render(request, "accounts/repayment/due_day_confirm.html", context)
    context = {"account": account, "form": form, "current_due_day": _current_due_day(account)}
    return render(request, "accounts/repayment/due_day.html", context, status=status)


@login_required
def autopay(request, account_id):
    account = _account(request, account_id)
    pending = selectors.repayment_instruction_pending(account=account, kind=Kind.AUTOPAY)
    error_message, status = None, 200
    if request.method == "POST":
        form = AutopayForm(request.POST)
        if not form.is_valid():
            raise Http404
        try:
            instruction = services.autopay_set(
                user=request.user, account_id=account.pk, enabled=form.cleaned_data["enabled"], request=request
            )
        except PortalError as error:
            error_message, status = error.message, _refused_status(error)
        else:
            return _receipt(instruction)
    context = {"account": account, "pending": pending, "error_message": error_message}
    return render(request, "accounts/repayment/autopay.html", context, status=status)


@login_required
def hardship(request, account_id):
    account = _account(request, account_id)
    form = HardshipForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                instruction = services.hardship_request(
                    user=request.user,
                    account_id=account.pk,
                    mode=form.cleaned_data["mode"],
                    months=form.cleaned_data["months"],
                    reason=form.cleaned_data["reason"],
                    evidence=form.cleaned_data["evidence"],
                    request=request,
                )
            except PortalError as error:
                error.add_to_form(form)
                status = _refused_status(error)
            else:
                return _receipt(instruction)
    return render(request, "accounts/repayment/hardship.html", {"account": account, "form": form}, status=status)


@login_required
def instruction_detail(request, account_id, reference):
    account = _account(request, account_id)
    instruction = selectors.repayment_instruction_get(user=request.user, account=account, reference=reference)
    return render(request, "accounts/repayment/instruction.html", {"account": account, "instruction": instruction})


@login_required
@require_POST
def hardship_answer(request, account_id, reference, answer):
    account = _account(request, account_id)
    instruction = selectors.repayment_instruction_get(user=request.user, account=account, reference=reference)
    if answer not in ("accept", "decline") or instruction.kind != Kind.HARDSHIP_PLAN:
        raise Http404
    try:
        services.hardship_answer(
            user=request.user,
            account_id=account.pk,
            reference=instruction.reference,
            accept=answer == "accept",
            request=request,
        )
    except PortalError as error:
        messages.error(request, error.message)
    else:
        if answer == "accept":
            messages.success(request, _("You accepted the new schedule. We sent it to the lender to put in place."))
        else:
            messages.success(request, _("You declined the new schedule. Your schedule stays as it is."))
    return _receipt(instruction)
