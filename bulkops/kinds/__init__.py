"""The kinds of job item beside users, one folder each (#26 §1).

``base`` is what the run's one pipeline asks of a kind (``Kind``, ``UndoableKind``); ``folder``
what every other stage asks (``KindFolder``: its spec section, set-up, plan line, change column);
``registry`` the one list of the kinds, in the order a phase runs them. docs/architecture.md has
the checklist for adding a kind.
"""
