"""Balance movements: what the balance import saw change, kept so draws can be counted."""

from decimal import Decimal

from accounts.models import BalanceMovement, CreditAccount
from portal.db import rows_insert, transaction_lock

# Writers take turns, so movement ids grow in commit order and a scoring run that reads the
# highest committed id has seen every movement below it (see AnomalyScoringRun).
MOVEMENTS_WRITE_LOCK = "accounts.balancemovement.write"


def balance_movements_record(*, changes, recorded_at):
    """Append one movement per changed balance, in one set-based insert (COPY on PostgreSQL).
    ``changes`` holds (account id, balance before, balance after); a rise is a draw. Called
    inside the import's transaction."""
    changes = [change for change in changes if change[1] != change[2]]
    if not changes:
        return
    transaction_lock(MOVEMENTS_WRITE_LOCK)
    rows_insert(
        BalanceMovement,
        [
            BalanceMovement(
                account_id=account_id,
                amount=Decimal(after) - Decimal(before),
                balance_after=after,
                recorded_at=recorded_at,
            )
            for account_id, before, after in changes
        ],
    )


def balance_movements_record_staged(*, cursor, staged_table, recorded_at):
    """The set-based twin of balance_movements_record for the COPY import on PostgreSQL: one
    INSERT … SELECT of a movement for each staged balance (columns ``account_id`` and
    ``outstanding_balance``) that differs from the stored one. Called before the staged balances
    are written over the accounts, in the same transaction; returns the movements written."""
    transaction_lock(MOVEMENTS_WRITE_LOCK)
    cursor.execute(
        f"""INSERT INTO {BalanceMovement._meta.db_table} (account_id, amount, balance_after, recorded_at)
            SELECT account.id, staged.outstanding_balance - account.outstanding_balance,
                   staged.outstanding_balance, %s
            FROM {CreditAccount._meta.db_table} AS account
            JOIN {staged_table} AS staged ON staged.account_id = account.id
            WHERE account.outstanding_balance <> staged.outstanding_balance
            ORDER BY account.id""",  # noqa: S608 (table names come from models and the caller)
        [recorded_at],
    )
    return cursor.rowcount
