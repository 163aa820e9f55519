"""Run state on local disk: the checkpoint store, the audit log, the reconciliation queue."""
