"""``--authoritative-skills`` names: exact names, no patterns (#30 §3)."""

from __future__ import annotations

import pytest

from bulkops.domain.authoritative import AuthoritativeNameError, parse_names


@pytest.mark.parametrize(
    ("text", "names"),
    [(None, ()), ("Billing", ("Billing",)), ("Billing, Sales ,Technical Support", ("Billing", "Sales", "Technical Support"))],
)
def test_names(text, names):
    assert parse_names(text) == names


@pytest.mark.parametrize(("text", "says"), [("Bill*", "pattern"), ("Sales,Bill?ng", "pattern"), ("[BS]ales", "pattern"), ("Billing,", "empty"), ("", "empty")])
def test_patterns_and_empty_names_are_refused(text, says):
    with pytest.raises(AuthoritativeNameError, match=says):
        parse_names(text)
