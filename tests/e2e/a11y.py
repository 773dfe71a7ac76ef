"""Accessibility checks for the browser tests: axe-core on every page a test lands on.

A test calls ``Accessibility.check(page)`` (the helpers in ``tests.e2e.helpers`` do it after
every navigation). Violations whose impact is "serious" or "critical" are collected, and the
test fails at its end with the full list: rule, help text, page and the offending elements.
A page that loaded but was never checked also fails the test, so no page slips through.
"""

from urllib.parse import urlsplit

FAILING_IMPACTS = ("serious", "critical")

_axe = None


def _axe_runner():
    global _axe
    if _axe is None:
        from axe_playwright_python.sync_playwright import Axe

        _axe = Axe()
    return _axe


def _path(url):
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _target(node):
    # axe gives a list of CSS selectors, nested when the element sits in an iframe or shadow root.
    return " >>> ".join(" ".join(part) if isinstance(part, list) else str(part) for part in node.get("target", []))


class Accessibility:
    def __init__(self):
        self.violations = []  # (page path, violation dict)
        self.checked_pages = []
        self._loads = {}  # page -> list of URLs loaded in it
        self._checked_loads = {}  # page -> indexes of loads that were checked

    def watch(self, page):
        """Remember every document ``page`` loads, so a page that was never checked is reported."""
        self._loads[page] = []
        self._checked_loads[page] = set()
        page.on("load", lambda loaded: self._loads[page].append(loaded.url))

    def check(self, page):
        """Run axe on the page as it is now and collect its serious and critical violations."""
        page.wait_for_load_state("load")
        results = _axe_runner().run(page)
        path = _path(page.url)
        self.checked_pages.append(path)
        for violation in results.response["violations"]:
            if violation.get("impact") in FAILING_IMPACTS:
                self.violations.append((path, violation))
        loads = self._loads.get(page)
        if loads:
            self._checked_loads[page].add(len(loads) - 1)
        return results

    def unchecked_pages(self):
        return [
            _path(url)
            for page, loads in self._loads.items()
            for index, url in enumerate(loads)
            if index not in self._checked_loads[page] and url != "about:blank"
        ]

    def report(self):
        """A readable list of the problems found, or "" when there are none."""
        lines = []
        seen = set()
        for path, violation in self.violations:
            for node in violation["nodes"]:
                key = (path, violation["id"], _target(node))
                if key in seen:
                    continue
                seen.add(key)
                lines.append(
                    f"  [{violation['impact']}] {violation['id']}: {violation['help']}\n"
                    f"      page:    {path}\n"
                    f"      element: {_target(node)}\n"
                    f"      html:    {node.get('html', '')[:200]}\n"
                    f"      more:    {violation.get('helpUrl', '')}"
                )
        if lines:
            lines.insert(0, f"axe found {len(seen)} serious or critical accessibility problem(s):")
        unchecked = self.unchecked_pages()
        if unchecked:
            lines.append(
                "These pages were loaded but never checked with axe (call check(page) after navigating): "
                + ", ".join(unchecked)
            )
        return "\n".join(lines)
