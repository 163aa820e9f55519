"""Undoing a job: its inverse from the audit log, guarded against what others changed since."""
