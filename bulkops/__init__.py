"""bulkops: safe, resumable bulk routing-configuration changes for Genesys Cloud CX.

Importing it configures nothing: the CLI sets up logging (``--log-level``), and an
application that embeds bulkops configures structlog as it likes
(``bulkops.logsetup.configure_logging`` gives the CLI's setup).
"""

__version__ = "0.1.0"
