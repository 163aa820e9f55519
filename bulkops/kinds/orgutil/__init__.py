"""The org default utilization (#19): a spec's ``utilizationDefault`` object, one item of kind
``utilization_default`` (key ``org``) in the phase before the users.

``intent`` what the section says, ``section`` its JSON reader and schema wording, ``setup`` its
resolution against the org (labels, the plan's before and after), ``kind`` the pipeline's ``Kind``
and its undo, ``plan`` the plan's line in words.
"""
