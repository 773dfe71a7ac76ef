"""Reading evidence files: every download leaves an audit event, whoever downloads."""

from django.db import transaction

from appeals import evidence as evidence_files
from appeals.services.common import audit


def evidence_download_record(*, evidence, user, request=None):
    """Record that ``user`` downloaded ``evidence`` (who, which file, which appeal, when; the
    audit event carries the time and the client address). The caller has already checked that
    the user may read the file (``selectors.evidence_get``)."""
    name = evidence_files.download_name(evidence)
    with transaction.atomic():
        audit(
            user,
            "evidence_downloaded",
            evidence.appeal,
            request=request,
            summary=name,
            after={"evidence_id": evidence.pk, "file": name, "sha256": evidence.sha256},
        )
