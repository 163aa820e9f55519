"""Helpers for the simulator tests: a token, and a tiny authenticated JSON client."""

from __future__ import annotations

import base64

import aiohttp


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


async def get_token(http: aiohttp.ClientSession, handle, client_id=None, client_secret=None) -> str:
    auth = basic(client_id or handle.client_id, client_secret or handle.client_secret)
    async with http.post(f"{handle.base_url}/oauth/token", data={"grant_type": "client_credentials"}, headers=auth) as r:
        assert r.status == 200, await r.text()
        return (await r.json())["access_token"]


class Api:
    """Tiny authenticated client: ``await api.get(path)`` -> (status, json-or-None, headers)."""

    def __init__(self, http: aiohttp.ClientSession, handle, token: str):
        self.http, self.handle, self.token = http, handle, token

    async def call(self, method: str, path: str, *, json=None, params=None, token=None):
        headers = {"Authorization": f"Bearer {token or self.token}"}
        async with self.http.request(method, self.handle.base_url + path, json=json, params=params, headers=headers) as r:
            body = await r.json() if r.content_type == "application/json" else None
            return r.status, body, r.headers

    async def get(self, path, **kw):
        return await self.call("GET", path, **kw)

    async def post(self, path, **kw):
        return await self.call("POST", path, **kw)

    async def put(self, path, **kw):
        return await self.call("PUT", path, **kw)

    async def patch(self, path, **kw):
        return await self.call("PATCH", path, **kw)

    async def delete(self, path, **kw):
        return await self.call("DELETE", path, **kw)
