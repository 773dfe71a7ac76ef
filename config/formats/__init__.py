"""One date style per language for every borrower page (settings.FORMAT_MODULE_PATH).

Templates use the named formats (``DATE_FORMAT``, ``SHORT_DATE_FORMAT``, ``DATETIME_FORMAT``,
``YEAR_MONTH_FORMAT``), never a pattern of their own, so a page shows one style: the short and
long date formats are the same on purpose. Chinese: 2026年11月28日 14:30; English: 28 Nov 2026, 14:30."""
