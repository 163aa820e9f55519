"""The simulator's HTTP routes, one module per API area."""
