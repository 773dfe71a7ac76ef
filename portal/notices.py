"""Notices as data: what a notice says is stored as its template and its parameters, and the
words are rendered when someone reads it, in the reader's language (the web) or in the
recipient's preferred language (the email, rendered once when it is queued and stored as sent).

Parameters are JSON. A value that depends on the language or needs formatting is a small typed
object (a dict with one ``$`` key) that ``decode`` turns into what the templates expect:

- ``money(amount, currency)`` → ``{"$money": "35000.00", "currency": "CNY"}`` → "¥35,000.00"
- ``moment(datetime)`` → ``{"$moment": iso}`` → "2026年3月14日 17:26" in the active language
- ``localised(text)`` → ``{"$text": {"zh-hans": …, "en": …}}`` → the active language's words
- ``site_path(path)`` → ``{"$url": "/learn/x/"}`` → the path on the web, the full address in email
- ``fixed(value)`` → a string a template compares (``portal.services.FixedText``)
- Decimal, date and datetime become ``$decimal``, ``$date`` and ``$datetime`` and come back as
  they were; a model instance becomes a snapshot of its fields (``$object``).

A context that holds anything else is not stored as data: the notice keeps only its text, as
notices written before this module did."""

import datetime
import logging
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.functional import Promise

from portal import formatting

logger = logging.getLogger(__name__)

# Context keys that templates never print (helpers handed to the template for convenience).
IGNORED_KEYS = frozenset({"profile"})
# Fields never copied into a snapshot: secrets, and the long free text nobody's notice prints.
SNAPSHOT_EXCLUDED = ("password", "hash", "secret", "token", "key", "national_id", "statement", "evidence")
SNAPSHOT_DEPTH = 2
# Derived values (properties) notice templates print, by model: a snapshot copies fields only.
SNAPSHOT_PROPERTIES = {
    "accounts.clearancecase": ("reference",),
    "accounts.closurerequest": ("new_limit",),
    "accounts.creditaccount": ("available_credit",),
}


class NotStorable(Exception):
    """The context holds something that cannot be stored as JSON parameters."""


class FixedText(str):
    """A string in a plain notice context that the template tests or compares (a kind, a code):
    it is part of the stamp's shape, never a slot, so notices differing in it never share one."""


class Snapshot(dict):
    """A model instance as it was when the notice was written: a dict the template reads like the
    object (``{{ appeal.reference }}``), printing as the object did (``{{ recipient }}``)."""

    def __str__(self):
        return self.get("__str__", "")


def languages():
    return [code for code, _name in settings.LANGUAGES]


def localised(text):
    """``text`` (a lazy translation or a callable giving one) in every language the site speaks."""
    words = {}
    for language in languages():
        with translation.override(language):
            words[language] = str(text() if callable(text) else text)
    return {"$text": words}


def money(amount, currency="CNY"):
    return {"$money": str(amount), "currency": currency}


def moment(value):
    return {"$moment": value.isoformat()} if value is not None else ""


def site_path(path):
    return {"$url": path} if path else ""


def fixed(value):
    return {"$fixed": str(value)}


def _snapshot_field_skipped(name):
    return any(part in name for part in SNAPSHOT_EXCLUDED)


def snapshot(instance, *, depth=SNAPSHOT_DEPTH):
    """A model instance's own fields (and related rows already loaded), JSON-safe."""
    data = {"$object": instance._meta.label_lower, "__str__": str(instance)}
    for field in instance._meta.concrete_fields:
        if _snapshot_field_skipped(field.name):
            continue
        value = getattr(instance, field.attname)
        try:
            data[field.attname] = encode(value, depth=depth)
        except NotStorable:  # a file, a UUID, a duration: printed as text
            data[field.attname] = str(value)
        if field.choices:
            data[f"get_{field.name}_display"] = localised(
                lambda field=field, value=value: dict(field.flatchoices).get(value, value)
            )
        if field.is_relation and depth > 0 and field.is_cached(instance):
            related = getattr(instance, field.name)
            data[field.name] = snapshot(related, depth=depth - 1) if related is not None else None
    for name in SNAPSHOT_PROPERTIES.get(instance._meta.label_lower, ()):
        data[name] = encode(getattr(instance, name), depth=0)
    return data


def encode(value, *, depth=SNAPSHOT_DEPTH, memo=None):
    """A context value as JSON parameters (see the module's docstring); raises NotStorable.
    Typed values are kept as they are, and with a ``memo`` (one per batch of notices) a dict or
    list shared by many notices (a reason, a label) is encoded once and shared, never copied."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) in (dict, list):
        if memo is None:
            return _encode_container(value, depth, memo)
        known = memo.get(id(value))
        if known is None or known[0] is not value:
            known = memo[id(value)] = (value, _encode_container(value, depth, memo))  # holds value: ids stay unique
        return known[1]
    if isinstance(value, FixedText):
        return fixed(value)
    if isinstance(value, str):
        return str(value)
    if isinstance(value, Promise):
        return localised(value)
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime.datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"$date": value.isoformat()}
    if isinstance(value, (dict, list, tuple)):
        return _encode_container(dict(value) if isinstance(value, dict) else list(value), depth, memo)
    if isinstance(value, models.Model):
        return snapshot(value, depth=depth)
    raise NotStorable(type(value).__name__)


def _encode_container(value, depth, memo):
    if type(value) is list:
        return [encode(item, depth=depth, memo=memo) for item in value]
    if len(value) <= 2 and any(type(key) is str and key.startswith("$") for key in value):
        return value  # already a typed value
    return {str(key): encode(item, depth=depth, memo=memo) for key, item in value.items() if key not in IGNORED_KEYS}


def params_for(context, *, recipient, memo=None):
    """The JSON parameters of a notice's context, or None when it cannot be stored as data."""
    try:
        params = _encode_container(dict(context or {}), SNAPSHOT_DEPTH, memo)
    except NotStorable as error:
        logger.info("A notice context holds a %s: the notice is stored as text only.", error)
        return None
    if recipient is not None and "recipient" not in params:
        params["recipient"] = _recipient_snapshot(recipient)
    return params


def _recipient_snapshot(recipient):
    """Who the notice is for, as its templates print them (their name, their masked identity)."""
    data = {"$object": "recipient", "__str__": str(recipient)}
    customer = getattr(recipient, "customer", None) if getattr(recipient, "customer_id", None) else None
    if customer is not None:
        data["customer"] = {
            "$object": "customer",
            "masked_name": str(getattr(customer, "masked_name", "")),
            "masked_national_id": str(getattr(customer, "masked_national_id", "")),
        }
    return data


class Decoder:
    """Turns parameters back into a template context in the active language. ``absolute`` gives
    full addresses (email); a Decoder may be reused for many notices (it remembers formatted
    moments per language)."""

    def __init__(self, *, absolute=False):
        self.absolute = absolute
        self.memo = {}
        self.shared = {}
        self.encoded = {}  # encode's memo for the same batch

    def decode(self, value):
        """``value`` in the active language and time zone (read once per call: they are looked
        up through thread-locals, which costs more than decoding)."""
        self.language = (translation.get_language() or settings.LANGUAGE_CODE).lower()
        self.zone = timezone.get_current_timezone()
        return self._decode(value)

    def _decode(self, value):
        if type(value) is list:
            return self._shared(value, lambda: [self._decode(item) for item in value])
        if type(value) is not dict:
            return value
        return self._shared(value, lambda: self._decode_dict(value))

    def _shared(self, value, make):
        """A dict or list shared by many notices (a reason) is decoded once per language."""
        key = (id(value), self.language, self.zone)
        known = self.shared.get(key)
        if known is None or known[0] is not value:
            known = self.shared[key] = (value, make())  # holds value: its id stays unique
        return known[1]

    def _decode_dict(self, value):
        for marker, method in self.MARKERS.items():
            if marker in value:
                return method(self, value)
        decoded = {key: self._decode(item) for key, item in value.items() if key != "$object"}
        return Snapshot(decoded) if "$object" in value else decoded

    def _money(self, value):
        return formatting.money(value["$money"], value.get("currency", "CNY"))

    def _moment(self, value):
        key = ("moment", self.language, self.zone, value["$moment"])
        if key not in self.memo:
            when = timezone.localtime(datetime.datetime.fromisoformat(value["$moment"]), self.zone)
            self.memo[key] = formats.date_format(when, "DATETIME_FORMAT")
        return self.memo[key]

    def _text(self, value):
        words, language = value["$text"], self.language
        if language in words:
            return words[language]
        base = language.split("-")[0]
        for code, text in words.items():
            if code.split("-")[0] == base:
                return text
        return words.get(settings.LANGUAGE_CODE.lower()) or next(iter(words.values()), "")

    def _url(self, value):
        return f"{settings.SITE_URL}{value['$url']}" if self.absolute else value["$url"]

    MARKERS = {
        "$money": _money,
        "$moment": _moment,
        "$text": _text,
        "$url": _url,
        "$fixed": lambda self, value: FixedText(value["$fixed"]),
        "$decimal": lambda self, value: Decimal(value["$decimal"]),
        "$datetime": lambda self, value: datetime.datetime.fromisoformat(value["$datetime"]),
        "$date": lambda self, value: datetime.date.fromisoformat(value["$date"]),
    }


def context_for(notification, *, decoder=None, absolute=False):
    """The template context of a stored notice in the active language (None: text only)."""
    if not notification.template or notification.params is None:
        return None
    decoder = decoder or Decoder(absolute=absolute)
    context = decoder.decode(notification.params)
    return {"link": notification.link, "site_url": settings.SITE_URL, **context}


def render_text(template, context):
    """Title and body of a notice from its templates, in the active language."""
    title = render_to_string(f"notifications/{template}.title.txt", context).strip()
    body = render_to_string(f"notifications/{template}.body.txt", context).strip()
    return title, body


def render_page(template, context):
    """The structured part of a notice's web page, when its template has one ("" otherwise)."""
    try:
        return render_to_string(f"notifications/{template}.page.html", context)
    except TemplateDoesNotExist:
        return ""


def localise(notification, *, decoder=None):
    """Put the notice's title and body in the active language on the instance. Such an instance
    is never saved (``Notification.save`` refuses): the stored text is what was sent. Notices
    stored as text only keep their text."""
    context = context_for(notification, decoder=decoder)
    if context is None:
        return notification
    try:
        title, body = render_text(notification.template, context)
    except Exception:  # a notice that no longer renders still shows what was sent
        logger.exception("Notice %s could not be rendered from its parameters.", notification.pk)
        return notification
    notification.title, notification.body, notification.is_localised = title, body, True
    return notification
