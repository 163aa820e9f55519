"""Typed calls on a ``GenesysClient``, one module per API area, and the records they answer."""
