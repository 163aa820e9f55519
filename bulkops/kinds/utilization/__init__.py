"""Per-user utilization (#19): a spec's ``utilization`` section (or a CSV's ``util:`` columns), items
of kind ``utilization`` keyed by user id, after the users."""
