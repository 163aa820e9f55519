"""Queue settings (#17): a spec's ``queues`` section (or the queues CSV), items of kind ``queue``
keyed by queue id, after the users. The section's member activation is a kind of its own
(``kinds/members``), set up with it."""
