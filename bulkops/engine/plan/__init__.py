"""Planning a job: what it would change and its impact on routing, reading only."""
