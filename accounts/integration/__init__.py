"""The lender's core system pushes its data here: customers, credit accounts, balances, repayment
schedules, score updates and risk signals, through the integration API (a service account with
its own token) or the ``import_core_data`` command (CSV or JSON Lines files).

Both run every row through the same validator per kind (``services.ROW_KINDS``), so a rule is
written once. A call or a file is applied all or nothing: one bad row and nothing changes."""
