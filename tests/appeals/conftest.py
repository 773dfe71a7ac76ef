from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.credit.services import limit_change_apply
from accounts.models import LimitChange
from appeals import services
from tests.factories import BorrowerFactory, StaffFactory, credit_account

# The smallest PDF a parser reads without repairing it: a catalog, an empty page tree, the
# cross-reference table and the trailer (uploads are parsed, and unreadable PDFs refused).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"xref\n0 3\n0000000000 65535 f \n0000000009 00000 n \n0000000052 00000 n \n"
    b"trailer<</Size 3/Root 1 0 R>>\nstartxref\n96\n%%EOF\n"
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def pdf(name="proof.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def reduction(customer, *, before="50000.00", after="30000.00", **kwargs):
    """A passive reduction on a fresh account of ``customer``: the decision a borrower appeals."""
    account = credit_account(customer=customer, credit_limit=before)
    return limit_change_apply(
        account=account,
        kind=kwargs.pop("kind", LimitChange.Kind.RISK_REDUCTION),
        new_limit=Decimal(after),
        reason_codes=kwargs.pop("reason_codes", ["score_drop"]),
        decided_by=kwargs.pop("decided_by", LimitChange.DecidedBy.POLICY),
        **kwargs,
    )


def file_appeal(borrower, change, **kwargs):
    return services.appeal_submit(
        user=borrower,
        limit_change=change,
        grounds=kwargs.pop("grounds", "data_wrong"),
        statement=kwargs.pop("statement", "My score fell because of a reporting error."),
        desired_outcome=kwargs.pop("desired_outcome", "restore"),
        **kwargs,
    )


@pytest.fixture
def clock(time_machine):
    """A frozen clock at the present moment; ``clock.shift(timedelta(...))`` moves it."""
    from django.utils import timezone

    time_machine.move_to(timezone.now(), tick=False)
    return time_machine


@pytest.fixture(autouse=True)
def _english():
    """Service messages are asserted in English; the catalogue's default language is Chinese."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def decision(borrower):
    return reduction(borrower.customer)


@pytest.fixture
def appeal(borrower, decision):
    return file_appeal(borrower, decision)


@pytest.fixture
def reviewer(db):
    return StaffFactory(group="Appeals reviewer")


@pytest.fixture
def supervisor(db):
    return StaffFactory(group="Supervisor")


@pytest.fixture
def other_supervisor(db):
    return StaffFactory(group="Supervisor")


@pytest.fixture
def other_borrower(db):
    return BorrowerFactory()


@pytest.fixture
def assigned(appeal, reviewer):
    return services.appeal_assign(appeal=appeal, actor=reviewer)
