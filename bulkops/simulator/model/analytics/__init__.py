"""What the simulator answers analytics from: agents' activity, queue aggregates, traffic."""
