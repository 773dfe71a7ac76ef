"""Checks on files people upload as evidence (an appeal's, a hardship request's): a file is judged
by its content, not its name or the browser's claimed type. Only PDF, JPEG and PNG pass, and a PDF
only without active content (scripts, attachments, media, forms)."""

import logging
import re

from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from pypdf import PasswordType, PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

from portal.exceptions import PortalError

logger = logging.getLogger(__name__)

# The first bytes of each accepted format. Anything else (HTML, SVG, executables, a PDF renamed
# from .exe) is refused whatever its name or the browser's claimed type.
SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
]
EXTENSIONS = {content_type: extension for _signature, content_type, extension in SIGNATURES}

# What makes a PDF run something when opened or clicked, or carry other files or forms: a key
# anywhere in the document, or the value of an object's /S (action), /Type or /Subtype. Names
# are compared after pypdf has decoded them, so /J#61vaScript is /JavaScript here.
PDF_ACTIVE_KEYS = frozenset(
    {
        "/JS",
        "/JavaScript",
        "/Launch",
        "/EmbeddedFile",
        "/EmbeddedFiles",
        "/EF",
        "/RichMedia",
        "/RichMediaContent",
        "/XFA",
    }
)
PDF_ACTIVE_KINDS = frozenset({"/JavaScript", "/Launch", "/EmbeddedFile", "/RichMedia"})
PDF_KIND_KEYS = ("/S", "/Type", "/Subtype")


def display_name(name):
    """A name safe to show and to offer as a download name: the last path part, plain characters."""
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^\w.\- ]", "_", base).strip(" .")
    return (base or "evidence")[-100:]


def _pdf_objects(reader):
    """Every dictionary in the document, each object once: those reachable from the trailer and
    any others the cross-reference table lists."""
    stack = [reader.trailer]
    stack.extend(
        IndirectObject(number, generation, reader) for generation, numbers in reader.xref.items() for number in numbers
    )
    stack.extend(IndirectObject(number, 0, reader) for number in reader.xref_objStm)
    seen = set()
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if (item.idnum, item.generation) in seen:
                continue
            seen.add((item.idnum, item.generation))
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            yield item
            stack.extend(item.values())
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def _pdf_dictionary_active(dictionary):
    if PDF_ACTIVE_KEYS.intersection(dictionary):
        return True
    # dictionary[key] resolves an indirect reference (/S 7 0 R); dict.get would not.
    kinds = (dictionary[key] for key in PDF_KIND_KEYS if key in dictionary)
    return any(isinstance(kind, str) and kind in PDF_ACTIVE_KINDS for kind in kinds)


def _pdf_active(upload):
    """True if the PDF holds active content; a PortalError if it cannot be read."""
    name = display_name(getattr(upload, "name", ""))
    upload.seek(0)
    try:
        reader = PdfReader(upload, strict=False)
        if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
            raise PortalError(
                _("%(name)s is protected by a password. Send a copy without a password.") % {"name": name},
                code="file_encrypted",
                field="files",
            )
        if any(_pdf_dictionary_active(dictionary) for dictionary in _pdf_objects(reader)):
            return True
    except PortalError:
        raise
    except Exception as error:  # hostile input may break the parser any way it likes: refuse it
        logger.info("evidence PDF could not be read: %r", error)
        raise PortalError(
            _("%(name)s could not be read as a PDF. Save or scan it again as a PDF, or send a photo instead.")
            % {"name": name},
            code="file_unreadable",
            field="files",
        ) from error
    finally:
        upload.seek(0)
    return False


def upload_check(upload, *, max_bytes):
    """The content type and extension of an acceptable upload of at most ``max_bytes``, or a
    PortalError saying why not."""
    name = display_name(getattr(upload, "name", ""))
    if upload.size > max_bytes:
        raise PortalError(
            _("%(name)s is too large (%(size)s). Each file may be at most %(limit)s.")
            % {
                "name": name,
                "size": filesizeformat(upload.size),
                "limit": filesizeformat(max_bytes),
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
            if content_type == "application/pdf" and _pdf_active(upload):
                raise PortalError(
                    _(
                        "%(name)s contains scripts, attachments, media or form programs, which we do not accept. "
                        "Print it to a new PDF or send a scan or a photo instead."
                    )
                    % {"name": name},
                    code="file_active_content",
                    field="files",
                )
            return content_type, extension
    raise PortalError(
        _("%(name)s is not a PDF, JPEG or PNG file. Send a scan or a photo in one of those formats.") % {"name": name},
        code="file_type",
        field="files",
    )
