"""Queue member activation (#18): the ``members`` of a ``queues`` entry, items of kind
``queue_members`` keyed by queue id, after the users (and after the queue's settings). Set up with
the queues section (``kinds/queues``); its plan lines are part of each queue's."""
