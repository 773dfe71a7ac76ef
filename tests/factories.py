"""Factories shared by every test package."""

import factory
from allauth.account.models import EmailAddress
from django.contrib.auth.models import Group
from django.utils import timezone

from accounts.identity import national_id
from accounts.models import CustomerRecord, User

PASSWORD = "correct-horse-battery-9"


def valid_national_id(sequence):
    """A well-formed ID number with a correct check character, unique per sequence number (up to
    336,000: past each thousand the birth month, then the day, moves on, so a long test worker's
    factories never repeat a number a test wrote out by hand)."""
    month, day = 1 + sequence // 1000 % 12, 1 + sequence // 12000 % 28
    first_seventeen = f"110105198{sequence % 10}{month:02d}{day:02d}{sequence % 1000:03d}"
    return first_seventeen + national_id.check_character(first_seventeen)


class CustomerRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerRecord
        skip_postgeneration_save = True

    class Params:
        national_id_number = factory.Sequence(valid_national_id)

    external_id = factory.Sequence(lambda n: f"CUST-{n:06d}")
    legal_name = factory.Sequence(lambda n: f"测试{n}")
    national_id_hash = factory.LazyAttribute(lambda o: national_id.keyed_hash(o.national_id_number))
    national_id_last4 = factory.LazyAttribute(lambda o: national_id.last_four(o.national_id_number))


class UserFactory(factory.django.DjangoModelFactory):
    """A login with a verified email address, not yet linked to a customer record."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    preferred_language = "zh-hans"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create:
            obj.save()
            EmailAddress.objects.create(user=obj, email=obj.email, verified=extracted is not False, primary=True)


class BorrowerFactory(UserFactory):
    """A login linked to its own customer record."""

    customer = factory.SubFactory(CustomerRecordFactory)
    identity_bound_at = factory.LazyFunction(timezone.now)


class StaffFactory(UserFactory):
    is_staff = True

    @factory.post_generation
    def group(obj, create, extracted, **kwargs):
        if create and extracted:
            obj.groups.add(Group.objects.get(name=extracted))

    @factory.post_generation
    def mfa(obj, create, extracted, **kwargs):
        """Staff have an authenticator unless mfa=False."""
        if create and extracted is not False:
            from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

            TOTP.activate(obj, generate_totp_secret())


class CreditProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.CreditProduct"
        django_get_or_create = ("code",)

    code = "revolving"
    name_zh = "随借随还信用额度"
    name_en = "Borrow-anytime credit line"


def credit_account(customer=None, credit_limit="50000.00", outstanding_balance="0.00", **kwargs):
    """An account opened through the service, so it has its opening ledger row like a real one."""
    from accounts.credit.services import credit_account_open

    customer = customer or CustomerRecordFactory()
    credit_account.counter += 1
    return credit_account_open(
        customer=customer,
        external_id=kwargs.pop("external_id", f"ACC-{credit_account.counter:06d}"),
        product=kwargs.pop("product", None) or CreditProductFactory(),
        credit_limit=credit_limit,
        outstanding_balance=outstanding_balance,
        **kwargs,
    )


credit_account.counter = 0


class CreditScoreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.CreditScore"

    score = 720
    scored_at = factory.LazyFunction(timezone.now)


class RepaymentInstallmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.RepaymentInstallment"

    external_id = factory.Sequence(lambda n: f"INST-{n:07d}")
    due_date = factory.LazyFunction(lambda: (timezone.now() + timezone.timedelta(days=10)).date())
    amount_due = "1200.00"


class RiskSignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.RiskSignal"

    external_id = factory.Sequence(lambda n: f"SIG-{n:08d}")
    kind = "score_update"
    value = "700"
    observed_at = factory.LazyFunction(timezone.now)


class SegmentSetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "accounts.SegmentSet"

    name = "Segments"


class SegmentRuleFactory(factory.django.DjangoModelFactory):
    """A rule with no condition (a catch-all) unless conditions are given."""

    class Meta:
        model = "accounts.SegmentRule"

    segment_set = factory.SubFactory(SegmentSetFactory)
    position = factory.Sequence(lambda n: n + 1)
    key = factory.Sequence(lambda n: f"segment-{n}")
    label = factory.LazyAttribute(lambda o: f"Label of {o.key}")


def score_history(account, scores, *, days_apart=30):
    """Monthly scores, oldest first, the last one today."""
    from accounts.models import CreditScore

    now = timezone.now()
    return CreditScore.objects.bulk_create(
        CreditScore(
            account=account,
            score=score,
            scored_at=now - timezone.timedelta(days=days_apart * (len(scores) - 1 - index)),
        )
        for index, score in enumerate(scores)
    )


def installment_schedule(account, *, first_due, count, amount_due="1000.00"):
    """``count`` scheduled monthly instalments of ``amount_due``, the first on ``first_due`` and
    the rest on the same day of the following months."""
    from accounts.repayment.schedule import monthly_due_dates

    dates = [first_due] + monthly_due_dates(after=first_due, due_day=first_due.day, count=count - 1)
    return [RepaymentInstallmentFactory(account=account, due_date=due, amount_due=amount_due) for due in dates]
