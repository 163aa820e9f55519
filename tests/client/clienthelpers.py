from bulkops.client import ClientConfig, GenesysClient


def no_backoff(state) -> float:
    """Retry at once: tests count attempts, they do not wait for them."""
    return 0.0


def make_client(handle, *, via=None, backoff=None, governor=None, **options) -> GenesysClient:
    """The real client pointed at the test simulator, or at a FaultProxy in front of it (``via``)."""
    base_url = via.base_url if via is not None else handle.base_url
    cfg = ClientConfig.resolve(base_url=base_url, client_id=handle.client_id, client_secret=handle.client_secret, env={}, **options)
    return GenesysClient(cfg, backoff=backoff, governor=governor)
