"""Utilization labels (#19): a spec's ``utilizationLabels`` section, items of kind ``label`` keyed by
the label's folded name: creates before the users, deletes last."""
