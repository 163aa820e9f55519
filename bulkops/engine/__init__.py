"""The engine: producer/consumer over sharded workers, fetch-merge-retry, checkpoints."""
