"""The portal's look (issue 15, "a designed look of our own"): support channels in the footer,
one date style per language, a readable time-zone picker, full-width punctuation in Chinese."""

import datetime
import re
from pathlib import Path

import polib
import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.formats import date_format

from education.forms.reports import CommunicationPreferenceForm
from portal.time_zones import LIKELY_ZONES, time_zone_choices
from tests.factories import credit_account

ROOT = Path(__file__).resolve().parents[2]
ZH_CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def _get(client, path, language):
    client.cookies["portal_language"] = language
    return client.get(path, HTTP_ACCEPT_LANGUAGE=language)


# --- Footer: support channels from settings -------------------------------------------------


@pytest.mark.django_db
@override_settings(
    SUPPORT_PHONE="400 820-8820", SUPPORT_HOURS="08:30–20:00", SUPPORT_EMAIL="care@bank.example", SUPPORT_URL="/learn/"
)
@pytest.mark.parametrize(
    ("language", "words"),
    [("zh-hans", ["联系我们", "电话", "每天 08:30–20:00"]), ("en", ["Talk to us", "Phone", "Every day, 08:30–20:00"])],
)
def test_the_footer_gives_real_support_channels_from_settings(client, borrower, language, words):
    client.force_login(borrower)
    html = _get(client, "/", language).content.decode()
    footer = html[html.index("<footer") :]
    assert 'href="tel:4008208820"' in footer
    assert 'href="mailto:care@bank.example"' in footer
    assert 'href="/learn/"' in footer
    for word in words:
        assert word in footer
    assert "in the app or by phone" not in html


@pytest.mark.django_db
@override_settings(SUPPORT_PHONE="", SUPPORT_EMAIL="")
def test_an_empty_support_setting_hides_that_channel(client):
    footer = _get(client, "/accounts/login/", "en").content.decode()
    footer = footer[footer.index("<footer") :]
    assert "tel:" not in footer and "mailto:" not in footer


@pytest.mark.django_db
def test_the_navigation_marks_the_current_section(client, borrower):
    client.force_login(borrower)
    html = _get(client, "/learn/", "en").content.decode()
    assert re.search(r'href="/learn/"\s+aria-current="page"', html)
    assert not re.search(r'href="/"\s+aria-current="page"', html)


# --- One date style per language ------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "date", "datetime_", "month"),
    [
        ("zh-hans", "2026年11月28日", "2026年11月28日 14:30", "2026年11月"),
        ("en", "28 Nov 2026", "28 Nov 2026, 14:30", "Nov 2026"),
    ],
)
def test_each_language_has_one_date_style(language, date, datetime_, month):
    day, moment = datetime.date(2026, 11, 28), datetime.datetime(2026, 11, 28, 14, 30)
    with translation.override(language):
        assert date_format(day, "DATE_FORMAT") == date
        assert date_format(day, "SHORT_DATE_FORMAT") == date  # short and long are one style
        assert date_format(moment, "DATETIME_FORMAT") == datetime_
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == datetime_
        assert date_format(day, "YEAR_MONTH_FORMAT") == month


# --- Time-zone picker -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "shanghai"),
    [("zh-hans", "中国标准时间（上海） · UTC+8"), ("en", "China Standard Time (Shanghai) · UTC+8")],
)
def test_time_zones_list_the_likely_ones_first_with_localised_names(language, shanghai):
    with translation.override(language):
        choices = time_zone_choices()
    first_group, first_options = choices[0]
    assert [value for value, _label in first_options] == list(LIKELY_ZONES)
    assert first_options[0] == ("Asia/Shanghai", shanghai)
    labels = [label for _group, options in choices for _value, label in options]
    assert not any(re.fullmatch(r"[A-Za-z_]+/[A-Za-z_/]+", label) for label in labels)  # no raw IANA names
    values = [value for _group, options in choices for value, _label in options]
    assert len(values) == len(set(values))  # each zone once (old aliases such as Asia/Chongqing dropped)
    assert "Europe/London" in values and "America/New_York" in values


def test_the_preferences_form_accepts_a_zone_and_groups_them():
    with translation.override("zh-hans"):
        form = CommunicationPreferenceForm(data={"time_zone": "Asia/Hong_Kong"})
        assert form.is_valid(), form.errors
        assert not CommunicationPreferenceForm(data={"time_zone": "Mars/Olympus"}).is_valid()


@pytest.mark.django_db
def test_the_preferences_page_shows_grouped_localised_zones(client, borrower):
    client.force_login(borrower)
    html = _get(client, "/reports/preferences/", "zh-hans").content.decode()
    select = html[html.index('name="time_zone"') :]
    select = select[: select.index("</select>")]
    assert select.index('<optgroup label="常用时区">') < select.index('value="Asia/Shanghai"')
    assert "中国标准时间（上海）" in select
    assert select.count("<option") > 300 and select.count("<optgroup") >= 5


# --- Chinese catalogue: full-width punctuation ------------------------------------------------

CJK = r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]"
# Placeholders, URLs, times, markup and code keep their ASCII punctuation.
NOT_PROSE = re.compile(r"%\([^)]+\)[sdfr]|%[sd]|\{[^}]*\}|https?://\S+|\b\d{1,2}:\d{2}\b|<[^>]+>|`[^`]*`")
HALF_WIDTH_BY_CJK = re.compile(rf"(?<={CJK})\s*[,:;?!()]|[,:;?!()]\s*(?={CJK})")


def half_width_punctuation(text):
    return HALF_WIDTH_BY_CJK.search(NOT_PROSE.sub("\u25a1", text))


def test_the_punctuation_rule_flags_half_width_and_allows_placeholders():
    assert half_width_punctuation("原因:额度调整")
    assert half_width_punctuation("请联系客服(工作日)")
    assert not half_width_punctuation("原因：额度调整（工作日）")
    assert not half_width_punctuation("时间：%(time)s，每天 09:00–21:00，见 https://example.com/a?b=1")


def test_chinese_messages_use_full_width_punctuation():
    bad = []
    for entry in polib.pofile(str(ZH_CATALOGUE)):
        if entry.obsolete:
            continue
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if half_width_punctuation(text):
                bad.append(f"{entry.msgid!r}: {text!r}")
    assert bad == []


def test_chinese_messages_call_an_email_address_youxiang():
    other_words = re.compile(r"电子邮件地址|邮箱地址|Email ?地址|E-?mail ?地址")
    bad = [
        f"{entry.msgid!r}: {entry.msgstr!r}"
        for entry in polib.pofile(str(ZH_CATALOGUE))
        if not entry.obsolete and other_words.search(entry.msgstr + "".join(entry.msgstr_plural.values()))
    ]
    assert bad == []


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/accounts/login/", "/accounts/signup/"])
def test_chinese_sign_in_pages_say_youxiang_for_email(client, path):
    html = _get(client, path, "zh-hans").content.decode()
    main = html[html.index("<main") : html.index("</main>")]
    assert "邮箱" in main
    assert "电子邮件" not in main and "Email" not in main


@pytest.mark.django_db
def test_a_label_and_its_text_are_joined_by_a_full_width_colon_in_chinese(client, borrower):
    account = credit_account(customer=borrower.customer)
    client.force_login(borrower)
    chinese = _get(client, f"/credit/{account.pk}/history/", "zh-hans").content.decode()
    assert "决定方：" in chinese and "决定方:" not in chinese
    english = _get(client, f"/credit/{account.pk}/history/", "en").content.decode()
    assert "Decided by: " in english
