"""One shared test-helpers package (simulator handles, clients, fault proxy, CLI runners)."""
