"""Setting a job up: read the spec whole, resolve it against the org, store it; nothing is written."""
