"""Words for the health report: what each grade reason and each tip says, in plain language.

Reports store codes; these turn them into text in the reader's language when shown."""

from django.utils.translation import gettext_lazy as _

GRADE_SUMMARIES = {
    "A": _("In good shape"),
    "B": _("Good, with room to improve"),
    "C": _("Fair"),
    "D": _("Needs attention"),
    "E": _("Needs attention now"),
}

GRADE_REASONS = {
    "overdue": _(
        "A repayment is overdue. Paying it, or talking to us about a plan if money is tight, matters more than "
        "anything else in this report."
    ),
    "late_payments": _(
        "Several repayments over the past year were late. Paying on or before the due date is the strongest "
        "habit for a healthy credit line."
    ),
    "high_utilisation": _(
        "You are using most of your credit limit. Keeping the balance well below the limit gives you room for "
        "the unexpected and helps your score."
    ),
    "score_falling": _(
        "Your credit score fell noticeably over the past year. The tips below explain what moves a score."
    ),
    "low_score": _("Your credit score is on the low side. Steady, on-time repayments raise it over time."),
    "moderate_utilisation": _(
        "You repay on time. Using a smaller share of your limit would improve your picture further."
    ),
    "some_late": _("Almost all repayments were on time. One or two were late: a reminder or auto-pay can help."),
    "steady": _("You repay on time and keep your balance well within your limit. Keep it up."),
}

TIPS = {
    "what-moves-a-credit-score": (
        _("What moves a credit score"),
        _("Learn which habits raise or lower your score, and how long changes take."),
    ),
    "repaying-on-time": (
        _("Repaying on time"),
        _("Set a reminder a few days before each due date, or repay automatically."),
    ),
    "the-cost-of-borrowing-often": (
        _("The cost of borrowing often"),
        _("Frequent small draws add up. See what borrowing really costs over a year."),
    ),
    "how-limits-are-set": (
        _("How limits are set"),
        _("Understand why a limit changes and what helps to restore it."),
    ),
    "how-closing-or-lowering-works": (
        _("How closing or lowering works"),
        _("You can lower or close your line yourself at any time. Here is what happens."),
    ),
    "how-to-appeal-a-decision": (
        _("How to appeal a decision"),
        _("If you think a decision about your limit is wrong, you can appeal. Here is how."),
    ),
    "spotting-loan-fraud": (
        _("Spotting loan fraud"),
        _("We never ask for your password or verification codes. Learn the warning signs."),
    ),
    "building-an-emergency-fund": (
        _("Building an emergency fund"),
        _("A small cushion of savings means you borrow less when the unexpected happens."),
    ),
    "understanding-utilisation": (
        _("Understanding utilisation"),
        _("Why using less of your limit helps, and a simple target to aim for."),
    ),
    "budgeting-basics": (
        _("Budgeting basics"),
        _("Plan this month's repayments alongside your other spending."),
    ),
    "handling-financial-hardship": (
        _("Handling financial hardship"),
        _("If you cannot pay in full, tell us early: there are options, and help is free."),
    ),
    "protecting-your-account": (
        _("Protecting your account"),
        _("Turn on two-factor authentication and keep your contact details current."),
    ),
}


def article_url(slug):
    """Literacy articles live at /learn/<slug>/ (the education app's content pages)."""
    return f"/learn/{slug}/"
