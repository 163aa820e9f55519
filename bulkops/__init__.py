"""bulkops: safe, resumable bulk routing-configuration changes for Genesys Cloud CX."""

__version__ = "0.1.0"
