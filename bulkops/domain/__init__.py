"""Pure domain logic: models, merge/diff, sharding. No I/O lives here."""
