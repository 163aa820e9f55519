"""``bulkops export``: the org's users as a spec bulkops reads back (wide CSV, long CSV, JSON).

``reader`` lists the org once (the listing set-up uses, with skills and languages expanded) and
keeps the users a selection picks; ``spool`` keeps them on disk, not in memory, until the
listing is done (a manager is named by email, and may be listed after the user); ``writers``
write the spool in one of the forms the spec readers read.
"""
