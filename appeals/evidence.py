"""Evidence files: checked by their content (not their name), stored under random names in
PRIVATE_MEDIA_ROOT, never in the public media folder."""

import hashlib
import re
import secrets
from pathlib import Path

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from portal.exceptions import PortalError

# The first bytes of each accepted format. Anything else (HTML, SVG, executables, a PDF renamed
# from .exe) is refused whatever its name or the browser's claimed type.
SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
]


def evidence_path(stored_name):
    return Path(settings.PRIVATE_MEDIA_ROOT) / stored_name[:2] / stored_name


def display_name(name):
    """A name safe to show and to offer as a download name: the last path part, plain characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    return (base or "evidence")[-100:]


def evidence_check(upload):
    """The content type and extension of an acceptable upload, or a PortalError saying why not."""
    name = display_name(getattr(upload, "name", ""))
    if upload.size > settings.APPEAL_EVIDENCE_MAX_BYTES:
        raise PortalError(
            _("%(name)s is too large (%(size)s). Each file may be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(settings.APPEAL_EVIDENCE_MAX_BYTES),
            },
            code="file_too_large",
            field="files",
        )
    if upload.size == 0:
        raise PortalError(_("%(name)s is empty.") % {"name": name}, code="file_empty", field="files")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, content_type, extension in SIGNATURES:
        if head.startswith(signature):
            return content_type, extension
    raise PortalError(
        _("%(name)s is not a PDF, JPEG or PNG file. Send a scan or a photo in one of those formats.") % {"name": name},
        code="file_type",
        field="files",
    )


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
