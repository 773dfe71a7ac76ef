"""Evidence files: checked by their content (not their name), named by the type found there,
stored under random names in PRIVATE_MEDIA_ROOT, never in the public media folder."""

import hashlib
import secrets
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _

from portal.exceptions import PortalError

# The content checks are shared with other uploads (portal.uploads); re-exported for this app.
from portal.uploads import EXTENSIONS, SIGNATURES, display_name, upload_check  # noqa: F401


def evidence_path(stored_name):
    return Path(settings.PRIVATE_MEDIA_ROOT) / stored_name[:2] / stored_name


def evidence_name(name, extension):
    """The name a file is shown and downloaded under: the sender's stem, the detected type's
    extension (``poly.html`` holding a PNG is ``poly.png``)."""
    stem = display_name(name)
    if "." in stem:
        stem = stem.rsplit(".", 1)[0] or "evidence"
    return stem + extension


def download_name(evidence):
    """The download name, from the type detected at upload, so rows stored before names were
    corrected download with the right extension too."""
    return evidence_name(evidence.original_name, EXTENSIONS.get(evidence.content_type, ".bin"))


def evidence_check(upload):
    """The content type and extension of an acceptable upload, or a PortalError saying why not."""
    return upload_check(upload, max_bytes=settings.APPEAL_EVIDENCE_MAX_BYTES)


def evidence_count_check(*, existing, new):
    limit = settings.APPEAL_EVIDENCE_MAX_FILES
    if existing + new > limit:
        raise PortalError(
            _("An appeal can have at most %(limit)s evidence files; it has %(existing)s already.")
            % {"limit": limit, "existing": existing},
            code="too_many_files",
            field="files",
        )


def evidence_write(upload, extension):
    """Write the upload under a new random name; return (stored_name, size, sha256)."""
    stored_name = secrets.token_hex(16) + extension
    path = evidence_path(stored_name)
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    upload.seek(0)
    with open(path, "xb") as target:
        for chunk in upload.chunks():
            digest.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return stored_name, size, digest.hexdigest()


def evidence_discard(stored_names):
    for stored_name in stored_names:
        evidence_path(stored_name).unlink(missing_ok=True)
