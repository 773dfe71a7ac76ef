"""Demo data for ``manage.py seed_demo``: a few customers, borrowers and one staff member per
group. Everything is created through the same services the portal uses, and only once."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from accounts.clearance.services import clearance_propose
from accounts.credit.offer_rules import limit_offers_by_rule
from accounts.credit.services import credit_account_open
from accounts.identity import national_id
from accounts.identity.services import customer_record_upsert
from accounts.models import (
    ClearanceCase,
    CreditAccount,
    CreditProduct,
    CreditScore,
    CustomerRecord,
    RepaymentInstallment,
    RiskSignal,
    User,
)
from accounts.risk.services import risk_evaluation_run
from education.services.reports import health_reports_generate, report_month_current

DEMO_PASSWORD = "demo-pass-2026"
# One shared, published secret for the demo staff's authenticator apps. Demo only.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def demo_national_id(first_seventeen):
    return first_seventeen + national_id.check_character(first_seventeen)


# external id, customer, limit, balance, monthly scores (oldest first), what happened lately
ACCOUNTS = [
    (
        "ACC-0001",
        "CUST-0001",
        "50000.00",
        "12000.00",
        [742, 748, 751, 755, 753, 749, 740, 731, 718, 702, 690, 684],
        "cut",
    ),
    (
        "ACC-0002",
        "CUST-0002",
        "20000.00",
        "3500.00",
        [702, 706, 709, 713, 716, 720, 722, 725, 716, 705, 698, 688],
        "warn",
    ),
    (
        "ACC-0003",
        "CUST-0003",
        "30000.00",
        "0.00",
        [700, 702, 701, 705, 707, 706, 709, 711, 710, 712, 713, 715],
        "freeze",
    ),
    (
        "ACC-0004",
        "CUST-0001",
        "10000.00",
        "800.00",
        [668, 671, 670, 674, 676, 679, 681, 683, 680, 678, 676, 727],
        "rise",
    ),
]
# Masked as the core system reports them: automatic repayment can be turned on for these lines.
REPAYMENT_SOURCES = {"ACC-0001": "招商银行 ****1234", "ACC-0004": "工商银行 ****5678"}

CUSTOMERS = [
    # external id, legal name, first 17 characters of the ID number, bound login (or None)
    ("CUST-0001", "张伟", "11010519850312001", "zhang.wei@example.com"),
    ("CUST-0002", "李娜", "31010419920708002", "li.na@example.com"),
    ("CUST-0003", "王芳", "44030519880101003", None),  # waiting for the unbound demo login
]
UNBOUND_BORROWER = "new.borrower@example.com"
STAFF = [
    ("support@example.com", "Support agent"),
    ("reviewer@example.com", "Appeals reviewer"),
    ("reviewer2@example.com", "Appeals reviewer"),
    ("supervisor@example.com", "Supervisor"),
    ("compliance@example.com", "Compliance officer"),
    ("compliance2@example.com", "Compliance officer"),
    ("risk@example.com", "Risk analyst"),
    ("editor@example.com", "Content editor"),
]
SUPERUSER = "admin@example.com"


def _login(email, *, is_staff=False, is_superuser=False, language="zh-hans"):
    user, created = User.objects.get_or_create(
        email=email,
        defaults={"is_staff": is_staff, "is_superuser": is_superuser, "preferred_language": language},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(user=user, email=email, defaults={"verified": True, "primary": True})
    return user


def _staff_mfa(user):
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, DEMO_TOTP_SECRET)
        RecoveryCodes.activate(user)


@transaction.atomic
def seed_demo():
    lines = []
    for external_id, name, first17, email in CUSTOMERS:
        number = demo_national_id(first17)
        record = customer_record_upsert(external_id=external_id, legal_name=name, national_id_number=number)
        if email:
            user = _login(email)
            if user.customer_id is None:
                user.customer = record
                user.identity_bound_at = timezone.now()
                user.save(update_fields=["customer", "identity_bound_at"])
            lines.append(f"borrower (bound)   {email:28} {DEMO_PASSWORD}")
        else:
            unbound_record = (name, number)
    for row in ACCOUNTS:
        _demo_account(*row)
    _login(UNBOUND_BORROWER, language="en")
    lines.append(
        f"borrower (unbound) {UNBOUND_BORROWER:28} {DEMO_PASSWORD}   "
        f"-> bind as {unbound_record[0]} / {unbound_record[1]}"
    )
    for email, group_name in STAFF:
        user = _login(email, is_staff=True)
        user.groups.add(Group.objects.get(name=group_name))
        _staff_mfa(user)
        lines.append(f"staff: {group_name:18} {email:28} {DEMO_PASSWORD}")
    _staff_mfa(_login(SUPERUSER, is_staff=True, is_superuser=True))
    lines.append(f"superuser          {SUPERUSER:28} {DEMO_PASSWORD}")
    lines.extend(_demo_clearance_case())
    _demo_health_reports()
    lines.append(
        f"Staff sign in with two-factor authentication: add the secret {DEMO_TOTP_SECRET} to an "
        "authenticator app, or run `python manage.py demo_totp_code` for the current code."
    )
    return lines


def _demo_health_reports():
    """This month's financial health report for each bound demo borrower (made once)."""
    borrower_ids = list(User.objects.filter(customer__isnull=False).values_list("pk", flat=True))
    health_reports_generate(user_ids=borrower_ids, month=report_month_current())


def _demo_account(external_id, customer_external_id, limit, balance, scores, story):
    if CreditAccount.objects.filter(external_id=external_id).exists():
        return
    product, _created = CreditProduct.objects.get_or_create(
        code="revolving", defaults={"name_zh": "随借随还信用额度", "name_en": "Borrow-anytime credit line"}
    )
    now = timezone.now()
    account = credit_account_open(
        customer=CustomerRecord.objects.get(external_id=customer_external_id),
        external_id=external_id,
        product=product,
        credit_limit=limit,
        outstanding_balance=balance,
        opened_at=now - timezone.timedelta(days=400),
        repayment_source_masked=REPAYMENT_SOURCES.get(external_id, ""),
    )
    CreditScore.objects.bulk_create(
        CreditScore(account=account, score=score, scored_at=now - timezone.timedelta(days=30 * (len(scores) - index)))
        for index, score in enumerate(scores)
    )
    today = timezone.localdate()
    installments = []
    for month in range(-6, 6):
        due = today + timezone.timedelta(days=30 * month + 5)
        paid = month < 0
        installments.append(
            RepaymentInstallment(
                account=account,
                external_id=f"{external_id}-{month + 7:02d}",
                due_date=due,
                amount_due="1050.00",
                amount_paid="1050.00" if paid else "0.00",
                paid_at=now + timezone.timedelta(days=30 * month + 3) if paid else None,
                status="paid" if paid else "scheduled",
            )
        )
    RepaymentInstallment.objects.bulk_create(installments)
    if story == "warn":
        # Score 37 points under its high: the policy sends an early warning, nothing changes yet.
        RiskSignal.objects.create(
            external_id=f"{external_id}-SIG-1", account=account, kind="score_update", value=scores[-1], observed_at=now
        )
        risk_evaluation_run()
    if story == "freeze":
        # 75 days overdue on a linked account: a freeze waits in the approval queue.
        RiskSignal.objects.create(
            external_id=f"{external_id}-SIG-1", account=account, kind="linked_overdue", value=75, observed_at=now
        )
        risk_evaluation_run()
    if story == "rise":
        # Score up 51 points in a month, repaid on time, little used: the daily offer rule
        # offers a higher limit, which the borrower may accept or decline.
        limit_offers_by_rule()
    if story == "cut":
        # Score 65 points under its six-month high: the policy warns first, then cuts 30% at the
        # next run, so the cut carries the full decision record (rules, figures, signals).
        for number in (1, 2):
            RiskSignal.objects.create(
                external_id=f"{external_id}-SIG-{number}",
                account=account,
                kind="score_update",
                value=scores[-1],
                observed_at=now,
            )
            risk_evaluation_run()


# The clearance proposer's statement, in the proposer's language (the admin reads it as written).
CLEARANCE_STATEMENT = {
    "zh-hans": "一小时内从两个省份的三台新设备发起提款；客户的手机号码于同日被转网。欺诈报告 FR-2026-0042 已存档。",
    "en": "Drawdowns from three new devices in two provinces within an hour; the customer's phone "
    "number was ported the same day. Fraud report FR-2026-0042 is on file.",
}


def _demo_clearance_case():
    """One clearance proposal on ACC-0002 waiting for a compliance officer (support@ proposed it,
    so compliance@ or compliance2@ decides it). Created once."""
    account = CreditAccount.objects.get(external_id="ACC-0002")
    if not ClearanceCase.objects.filter(account=account).exists():
        proposer = User.objects.get(email="support@example.com")
        clearance_propose(
            account=account,
            actor=proposer,
            grounds=ClearanceCase.Grounds.FRAUD_SUSPICION,
            evidence=["fraud_report_reference", "activity_reviewed", "identity_mismatch"],
            evidence_reference="FR-2026-0042",
            statement=CLEARANCE_STATEMENT.get(proposer.preferred_language, CLEARANCE_STATEMENT["en"]),
        )
    return ["clearance: ACC-0002 proposed by support@example.com, awaiting compliance approval"]
