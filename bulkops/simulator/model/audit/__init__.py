"""The platform audit the simulator keeps: who changed what, and the subjects an audit query names."""
