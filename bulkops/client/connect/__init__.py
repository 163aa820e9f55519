"""Where to connect and as whom: regions, credentials, gc profiles, a pool of OAuth clients."""
