"""Row locks in the portal's one order (``portal.db``), on real PostgreSQL connections in real
threads: a borrower withdrawing a closure request while the beat job completes it ends with one
winner, and a closure on one account never waits for another account of the same product."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from accounts.closure import services
from accounts.models import ClosureRequest, CreditAccount, LimitChange
from portal.db import lock_conflict_retried
from tests.factories import BorrowerFactory, credit_account

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are PostgreSQL's; CI runs this"),
]

CODE = "123456"
WAIT = 10  # seconds, an upper bound for a thread to reach a step; never a measured duration


@pytest.fixture(autouse=True)
def _fixed_code(monkeypatch):
    monkeypatch.setattr(services.secrets, "randbelow", lambda _limit: int(CODE))


@pytest.fixture
def thread_clock(monkeypatch):
    """``timezone.now()`` per thread: each thread may stand on its own side of a deadline."""
    clock = threading.local()
    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", lambda: getattr(clock, "now", None) or real_now())
    return clock


def submitted_request():
    borrower = BorrowerFactory()
    account = credit_account(customer=borrower.customer, credit_limit="50000.00")
    closure_request = services.closure_request_draft_create(
        user=borrower, account=account, kind="lower", target_limit="20000"
    )
    services.closure_request_impact_acknowledge(closure_request=closure_request, user=borrower)
    services.closure_request_reason_set(closure_request=closure_request, user=borrower, reason="limit_spending")
    services.closure_verification_code_send(closure_request=closure_request, user=borrower)
    closure_request = services.closure_request_verify(closure_request=closure_request, user=borrower, code=CODE)
    return borrower, services.closure_request_submit(closure_request=closure_request, user=borrower)


def backend_waits_on_lock(pid):
    with connection.cursor() as cursor:
        cursor.execute("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = %s", [pid])
        row = cursor.fetchone()
    return bool(row and row[0])


class HoldAfterFirstLock:
    """An execute wrapper: after this thread's first ``FOR UPDATE`` statement, hold there until
    the other thread's connection waits on a row lock (bounded), so the two services overlap at
    the worst moment every time instead of now and then."""

    def __init__(self, holding, other_pid):
        self.holding, self.other_pid, self.done = holding, other_pid, False

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not self.done and "FOR UPDATE" in sql:
            self.done = True
            self.holding.set()
            deadline = time.monotonic() + WAIT
            while not backend_waits_on_lock(self.other_pid["pid"]) and time.monotonic() < deadline:
                time.sleep(0.01)
        return result


def race(*, first, second):
    """Run ``first`` and ``second`` (each a callable) in two threads with their own connections;
    ``first`` holds after its first row lock until ``second`` waits on a lock. Returns what each
    returned or raised."""
    holding, outcomes, pids = threading.Event(), {}, {"first": {}, "second": {}}
    ready = threading.Barrier(2)

    def run(name, work, wrapper):
        try:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                pids[name]["pid"] = cursor.fetchone()[0]
            ready.wait(timeout=WAIT)
            with connection.execute_wrapper(wrapper):
                outcomes[name] = work()
        except Exception as error:  # every escape is asserted on below
            outcomes[name] = error
        finally:
            connection.close()

    def second_after_hold():
        holding.wait(timeout=WAIT)
        return second()

    threads = [
        threading.Thread(target=run, args=("first", first, HoldAfterFirstLock(holding, pids["second"]))),
        threading.Thread(target=run, args=("second", second_after_hold, lambda execute, *args: execute(*args))),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes["first"], outcomes["second"]


@pytest.mark.parametrize("first", ["withdraw", "complete"])
def test_withdrawing_while_the_beat_job_completes_ends_with_one_winner(thread_clock, first):
    """25 trials each way round (50 in all). The borrower's clock stands a minute before the
    cooling-off ends, the beat job's a minute after: both are allowed, only one may win."""
    for _trial in range(25):
        borrower, closure_request = submitted_request()
        ends = closure_request.cooling_off_ends_at

        def withdraw(borrower=borrower, closure_request=closure_request, ends=ends):
            thread_clock.now = ends - timedelta(minutes=1)
            return services.closure_request_withdraw(closure_request=closure_request, user=borrower)

        def complete(closure_request=closure_request, ends=ends):
            thread_clock.now = ends + timedelta(minutes=1)
            return services.closure_request_complete(closure_request_id=closure_request.pk)

        work = {"withdraw": withdraw, "complete": complete}
        second = "complete" if first == "withdraw" else "withdraw"
        results = dict(zip((first, second), race(first=work[first], second=work[second]), strict=True))

        closure_request.refresh_from_db()
        account = CreditAccount.objects.get(pk=closure_request.account_id)
        ledger_rows = LimitChange.objects.filter(account=account, source_reference=closure_request.reference)
        completed = closure_request.status == ClosureRequest.Status.COMPLETED
        escaped = [result for result in results.values() if isinstance(result, Exception)]
        # The loser gets the closure rule's own answer: a withdrawal is refused, a completion
        # finds nothing left to do.
        assert all(isinstance(error, services.ClosureConflict) for error in escaped), escaped
        assert closure_request.status in (ClosureRequest.Status.WITHDRAWN, ClosureRequest.Status.COMPLETED)
        assert isinstance(results["complete"], ClosureRequest) == completed
        assert isinstance(results["withdraw"], ClosureRequest) == (not completed)
        assert ledger_rows.count() == completed
        assert str(account.credit_limit) == ("50000.00", "20000.00")[completed]


def test_completing_one_account_does_not_wait_for_another_account_of_the_same_product(thread_clock):
    """Account A's request is locked (a withdrawal in progress, held open); completing B's, on
    the same product, must not wait for it: with a short lock_timeout it still succeeds."""
    borrower_a, request_a = submitted_request()
    _borrower_b, request_b = submitted_request()
    assert CreditAccount.objects.get(pk=request_a.account_id).product_id == (
        CreditAccount.objects.get(pk=request_b.account_id).product_id
    )
    holding, release, outcomes = threading.Event(), threading.Event(), {}

    def hold_a():
        try:
            thread_clock.now = request_a.cooling_off_ends_at - timedelta(minutes=1)

            def hold(execute, sql, params, many, context):
                result = execute(sql, params, many, context)
                if "FOR UPDATE" in sql and not holding.is_set():
                    holding.set()
                    release.wait(timeout=WAIT)
                return result

            with connection.execute_wrapper(hold):
                outcomes["a"] = services.closure_request_withdraw(closure_request=request_a, user=borrower_a)
        except Exception as error:  # asserted below
            outcomes["a"] = error
        finally:
            connection.close()

    def complete_b():
        try:
            holding.wait(timeout=WAIT)
            thread_clock.now = request_b.cooling_off_ends_at + timedelta(minutes=1)
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '500ms'")
            outcomes["b"] = services.closure_request_complete(closure_request_id=request_b.pk)
        except Exception as error:  # asserted below
            outcomes["b"] = error
        finally:
            release.set()
            connection.close()

    threads = [threading.Thread(target=hold_a), threading.Thread(target=complete_b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert holding.is_set()
    assert not isinstance(outcomes["b"], Exception), outcomes["b"]
    assert outcomes["b"].status == ClosureRequest.Status.COMPLETED
    assert outcomes["a"].status == ClosureRequest.Status.WITHDRAWN


def test_a_deadlock_that_still_happens_is_run_once_more_and_both_transactions_commit():
    """Two transactions lock two accounts the wrong way round (what the lock order forbids):
    PostgreSQL breaks the deadlock by rolling one back, and the retry runs it again."""
    first_account, second_account = credit_account(), credit_account()
    both_hold_one, runs, outcomes = threading.Barrier(2), [], {}
    # Each thread meets the other once, on its first run; the retry goes straight through.
    first_run_pause = {first_account.pk: both_hold_one.wait, second_account.pk: both_hold_one.wait}

    @lock_conflict_retried
    def lock_both(one, other):
        runs.append(one.pk)
        with transaction.atomic():
            CreditAccount.objects.select_for_update(of=("self",)).get(pk=one.pk)
            first_run_pause.pop(one.pk, lambda timeout: None)(timeout=WAIT)
            CreditAccount.objects.select_for_update(of=("self",)).get(pk=other.pk)
        return one.pk

    def run(one, other):
        try:
            outcomes[one.pk] = lock_both(one, other)
        except Exception as error:  # asserted below
            outcomes[one.pk] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(first_account, second_account)),
        threading.Thread(target=run, args=(second_account, first_account)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert outcomes == {first_account.pk: first_account.pk, second_account.pk: second_account.pk}
    # One ran again at least (a retry may meet the other's first run in the same deadlock).
    assert len(runs) > 2
