"""Template helpers for the portal's own form markup (templates/includes/field.html)."""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import pgettext

register = template.Library()


@register.filter
def option_groups(bound_field):
    """A select's options as Django's widget groups them: ``[(group label or None, [option, ...])]``,
    each option a dict with ``value``, ``label`` and ``selected``. Grouped choices become <optgroup>s."""
    widget = bound_field.field.widget
    value = widget.format_value(bound_field.value())
    return [(name, options) for name, options, _index in widget.optgroups(bound_field.html_name, value)]


@register.simple_tag(takes_context=True)
def nav_current(context, url):
    """``aria-current="page"`` on a navigation link when the page is that link's page or lies
    under it (a notice under Notices); the home link only on home itself."""
    request = context.get("request")
    path = getattr(request, "path", "")
    inside = path == url or (url != "/" and path.startswith(url))
    return mark_safe('aria-current="page"') if inside else ""


@register.simple_tag
def colon():
    """The separator between a label and its text in the reader's language: "：" in Chinese
    (full width, no space), ": " in English. ``{% translate "Quiz" %}{% colon %}{{ title }}``."""
    return pgettext("separator between a label and its text", ": ")
