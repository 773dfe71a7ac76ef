"""Data that most pages read and staff rarely change (the article catalogue, the reason codes,
the emergency switches), kept in each process and tagged with a version held in the shared
cache.

A change gives the data a new version at once and again when its transaction commits, so no
process keeps a copy read before the commit; every process reads the data again on its next
look. The common case costs one read of the shared cache and no query. A copy is kept at most
``max_age`` seconds anyway, so a change that reached the database some other way (raw SQL, or
while the shared cache was unreachable and each process fell back to its own memory) still
shows within that time. Callers must not change what ``get`` returns: every request shares it."""

import time
import uuid

from django.core.cache import cache
from django.db import transaction


class ProcessCopy:
    def __init__(self, *, key, load, max_age):
        self.key = key
        self.max_age = max_age
        self._load = load
        self._copy = None  # (version, when loaded, the data): replaced whole, never changed

    def version(self):
        """The data's version in the shared cache (made on first use)."""
        version = cache.get(self.key)
        if version is None:
            version = uuid.uuid4().hex
            if not cache.add(self.key, version, timeout=None):
                version = cache.get(self.key) or version
        return version

    def get(self):
        """This process's copy, loaded again when its version changed or it is too old."""
        version = self.version()
        copy = self._copy
        if copy is None or copy[0] != version or time.monotonic() - copy[1] > self.max_age:
            copy = (version, time.monotonic(), self._load())
            self._copy = copy
        return copy[2]

    def changed(self):
        """Every process must read the data again: now, and after the current commit."""

        def bump():
            cache.set(self.key, uuid.uuid4().hex, timeout=None)

        bump()
        transaction.on_commit(bump)
