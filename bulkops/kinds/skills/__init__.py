"""Skill definitions (#15): a spec's ``skills`` section (or the skills CSV), items of kind ``skill``
keyed by the skill's folded name: creates and moves before the users, deletes last; migrations
change the holders' own intents.

Its set-up has two steps: ``resolve_definitions`` before the users are read (what to watch while
the org is listed: the holders of a skill migrated or deleted), then ``set_up`` after it (the
migrations folded into the holders' intents, the deletes guarded)."""
