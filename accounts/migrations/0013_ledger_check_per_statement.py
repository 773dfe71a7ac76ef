"""The check that an account equals its newest ledger row, once per statement instead of once
per row. Still checked at commit (so the service may write the account and the ledger in either
order): a statement-level trigger with transition tables queues the ids of the accounts that a
statement inserted or whose limit or status it changed, as one row of ``accounts_ledger_check``,
and a deferred constraint trigger on that row checks all of them with one query at commit. A
policy run that changes thousands of accounts in one UPDATE is then checked by one query, not
thousands of trigger calls. The queue table is UNLOGGED: its rows never outlive a transaction."""

from django.db import migrations

FORWARD = """
DROP TRIGGER IF EXISTS accounts_creditaccount_ledger_check ON accounts_creditaccount;
DROP FUNCTION IF EXISTS accounts_creditaccount_matches_ledger();

CREATE UNLOGGED TABLE accounts_ledger_check (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_ids bigint[] NOT NULL
);

CREATE OR REPLACE FUNCTION accounts_creditaccount_ledger_check_queue() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO accounts_ledger_check (account_ids)
            SELECT array_agg(new_rows.id) FROM new_rows HAVING count(*) > 0;
    ELSE
        INSERT INTO accounts_ledger_check (account_ids)
            SELECT array_agg(new_rows.id) FROM new_rows JOIN old_rows ON old_rows.id = new_rows.id
            WHERE (new_rows.credit_limit, new_rows.status) IS DISTINCT FROM (old_rows.credit_limit, old_rows.status)
            HAVING count(*) > 0;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_creditaccount_ledger_queue_insert AFTER INSERT ON accounts_creditaccount
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_creditaccount_ledger_check_queue();
CREATE TRIGGER accounts_creditaccount_ledger_queue_update AFTER UPDATE ON accounts_creditaccount
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION accounts_creditaccount_ledger_check_queue();

CREATE OR REPLACE FUNCTION accounts_ledger_check_run() RETURNS trigger AS $$
DECLARE
    mismatched bigint;
BEGIN
    -- The accounts as they are now (a deleted one is no longer checked) against their newest row.
    SELECT account.id INTO mismatched
    FROM accounts_creditaccount AS account
    LEFT JOIN LATERAL (
        SELECT new_limit, new_status FROM accounts_limitchange
        WHERE account_id = account.id ORDER BY sequence DESC LIMIT 1
    ) AS newest ON true
    WHERE account.id = ANY (NEW.account_ids)
      AND (newest.new_limit IS DISTINCT FROM account.credit_limit OR newest.new_status IS DISTINCT FROM account.status)
    ORDER BY account.id
    LIMIT 1;
    DELETE FROM accounts_ledger_check WHERE id = NEW.id;
    IF mismatched IS NOT NULL THEN
        RAISE EXCEPTION 'credit account % does not match its newest limit-change row', mismatched;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER accounts_ledger_check_at_commit
    AFTER INSERT ON accounts_ledger_check
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION accounts_ledger_check_run();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS accounts_creditaccount_ledger_queue_insert ON accounts_creditaccount;
DROP TRIGGER IF EXISTS accounts_creditaccount_ledger_queue_update ON accounts_creditaccount;
DROP FUNCTION IF EXISTS accounts_creditaccount_ledger_check_queue();
DROP TABLE IF EXISTS accounts_ledger_check;
DROP FUNCTION IF EXISTS accounts_ledger_check_run();

CREATE OR REPLACE FUNCTION accounts_creditaccount_matches_ledger() RETURNS trigger AS $$
DECLARE
    newest RECORD;
    current RECORD;
BEGIN
    SELECT credit_limit, status INTO current FROM accounts_creditaccount WHERE id = NEW.id;
    IF NOT FOUND THEN
        RETURN NULL;
    END IF;
    SELECT new_limit, new_status INTO newest FROM accounts_limitchange
        WHERE account_id = NEW.id ORDER BY sequence DESC LIMIT 1;
    IF NOT FOUND OR newest.new_limit <> current.credit_limit OR newest.new_status <> current.status THEN
        RAISE EXCEPTION 'credit account % does not match its newest limit-change row', NEW.id;
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
CREATE CONSTRAINT TRIGGER accounts_creditaccount_ledger_check
    AFTER INSERT OR UPDATE OF credit_limit, status ON accounts_creditaccount
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION accounts_creditaccount_matches_ledger();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0012_clearance_cases")]
    operations = [migrations.RunPython(forward, backward)]
