"""A change rolled out behind a watch of the queues: the gate, the waves and the queue model (#31)."""
