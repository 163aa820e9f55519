"""The simulator's org: the objects the routes read and change, and the rules they keep."""
