"""bulkops: safe, resumable bulk routing-configuration changes for Genesys Cloud CX."""

__version__ = "0.1.0"


def _quiet_by_default() -> None:
    """structlog's unconfigured default prints every debug line to stdout; bulkops logs at
    warning and above unless the CLI (``--log-level``) or the host application says otherwise."""
    import structlog

    if not structlog.is_configured():
        from bulkops.logsetup import configure_logging

        configure_logging("warning")


_quiet_by_default()
