"""Verifying a job: its own record of writes against the platform's audit trail."""
