"""Running a job: the producer, the sharded workers, the phases of items, checkpoints and the audit."""
