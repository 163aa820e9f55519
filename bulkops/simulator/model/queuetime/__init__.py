"""Queue traffic advanced in simulated time (#31 §1): the queueing process, its history, and the
queues of one simulator carried forward to its clock's now."""
