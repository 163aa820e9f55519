from bulkops.client import ClientConfig, GenesysClient


def make_client(handle, **options) -> GenesysClient:
    """The real client pointed at the test simulator."""
    cfg = ClientConfig.resolve(
        base_url=handle.base_url, client_id=handle.client_id, client_secret=handle.client_secret, env={}, **options
    )
    return GenesysClient(cfg)
