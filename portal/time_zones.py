"""Time-zone choices a borrower can read: the likely zones first, then the rest grouped by region,
each named in the reader's language from the Unicode CLDR data in ``babel``.

"中国标准时间（上海）· UTC+8" rather than "Asia/Shanghai"; values stay IANA names."""

import functools
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, available_timezones

from babel.core import get_global
from babel.dates import get_timezone_location, get_timezone_name
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

# Where the portal's borrowers live, most likely first.
LIKELY_ZONES = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Macau",
    "Asia/Taipei",
    "Asia/Singapore",
    "Asia/Kuala_Lumpur",
    "Asia/Tokyo",
    "Asia/Seoul",
)
# IANA's first path segment, in the order regions are listed, with their names.
REGIONS = ("Asia", "Australia", "Pacific", "Europe", "Africa", "America", "Atlantic", "Indian", "Antarctica")


def _region_name(region):
    names = {
        "Asia": pgettext("time zone region", "Asia"),
        "Australia": pgettext("time zone region", "Australia"),
        "Pacific": pgettext("time zone region", "Pacific"),
        "Europe": pgettext("time zone region", "Europe"),
        "Africa": pgettext("time zone region", "Africa"),
        "America": pgettext("time zone region", "Americas"),
        "Atlantic": pgettext("time zone region", "Atlantic"),
        "Indian": pgettext("time zone region", "Indian Ocean"),
        "Antarctica": pgettext("time zone region", "Antarctica"),
    }
    return names[region]


def _babel_locale(language):
    return "zh_Hans_CN" if (language or "").lower().startswith("zh") else "en"


def _offset_minutes(name):
    return int(datetime.now(UTC).astimezone(ZoneInfo(name)).utcoffset().total_seconds() // 60)


def _utc_offset(name):
    minutes = _offset_minutes(name)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(name, language):
    """``name`` for people: generic zone name (city) · UTC offset, in ``language``."""
    locale = _babel_locale(language)
    zone = ZoneInfo(name)
    generic = get_timezone_name(zone, "long", zone_variant="standard", locale=locale)
    city = get_timezone_location(zone, locale=locale, return_city=True)
    if city and city not in generic:
        generic = f"{generic}（{city}）" if locale.startswith("zh") else f"{generic} ({city})"
    return f"{generic} · {_utc_offset(name)}"


@functools.lru_cache(maxsize=8)
def _choices_for(language, likely):
    aliases = get_global("zone_aliases")  # old names of a zone (Asia/Chongqing): listed once, as the zone
    zones = {name for name in available_timezones() if name.split("/")[0] in REGIONS and name not in aliases}
    choices = [(_("Common time zones"), [(name, zone_label(name, language)) for name in likely])]
    for region in REGIONS:
        names = [name for name in zones if name.split("/")[0] == region and name not in likely]
        # West to east, then by name: a borrower who knows the offset finds the zone quickly.
        labelled = sorted(
            ((name, zone_label(name, language)) for name in names),
            key=lambda item: (_offset_minutes(item[0]), item[1]),
        )
        choices.append((_region_name(region), labelled))
    return choices


def time_zone_choices():
    """Grouped choices for a ``forms.ChoiceField`` in the current language (a callable, so each
    request gets its own language)."""
    return _choices_for(get_language() or "zh-hans", LIKELY_ZONES)
