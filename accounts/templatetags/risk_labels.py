"""Labels for the codes the daily risk report counts by, in the reader's language."""

from django import template

from accounts.models import ReasonCode, RiskDecision, RiskSignal

register = template.Library()


@register.filter
def signal_kind_label(code):
    """``{{ kind|signal_kind_label }}`` → "credit score update" / "信用分更新"."""
    return dict(RiskSignal.Kind.choices).get(code, code)


@register.filter
def decision_kind_label(code):
    """``{{ kind|decision_kind_label }}`` → "limit reduction" / "额度下调"."""
    return dict(RiskDecision.Kind.choices).get(code, code)


@register.simple_tag
def reason_titles(counts):
    """``{% reason_titles report.reason_counts as rows %}``: (title, count) for each reason code,
    read in one query; an unknown code keeps its code."""
    counts = list(counts)
    titles = {reason.code: reason.title for reason in ReasonCode.objects.filter(code__in=[code for code, _ in counts])}
    return [(titles.get(code, code), total) for code, total in counts]
