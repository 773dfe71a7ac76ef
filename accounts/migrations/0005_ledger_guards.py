"""On PostgreSQL the database itself keeps the ledger append-only, and refuses to commit an
account whose limit or status differs from its newest ledger row (checked at commit, so the
service can write the row and the account in either order inside one transaction)."""

from django.db import migrations

FORWARD = """
CREATE OR REPLACE FUNCTION accounts_limitchange_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the limit-change ledger is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER accounts_limitchange_no_update BEFORE UPDATE OR DELETE ON accounts_limitchange
    FOR EACH ROW EXECUTE FUNCTION accounts_limitchange_append_only();

CREATE OR REPLACE FUNCTION accounts_creditaccount_matches_ledger() RETURNS trigger AS $$
DECLARE
    newest RECORD;
    current RECORD;
BEGIN
    -- A deferred trigger sees the row as it was when queued; compare the row as it is now.
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

BACKWARD = """
DROP TRIGGER IF EXISTS accounts_creditaccount_ledger_check ON accounts_creditaccount;
DROP FUNCTION IF EXISTS accounts_creditaccount_matches_ledger();
DROP TRIGGER IF EXISTS accounts_limitchange_no_update ON accounts_limitchange;
DROP FUNCTION IF EXISTS accounts_limitchange_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD, params=None)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_reason_codes")]
    operations = [migrations.RunPython(forward, backward)]
