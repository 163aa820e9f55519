"""Runs in waves behind a health gate (#31 §3): the watch between waves and the loop over them."""
