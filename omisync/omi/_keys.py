"""``client.keys``: manage developer API keys (these routes take a Firebase ID token)."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from omisync.omi._http import Call, HttpCore
from omisync.omi._models import DevApiKey, DevApiKeyCreated
from omisync.omi._parse import Noun, parse_dev_api_key, parse_dev_api_key_created, parse_list


def _ignore_body(_: object) -> None:
    return None


class Keys:
    """The account's developer API keys. Every call needs the client's ``id_token`` and
    raises :class:`ConfigurationError` without one."""

    def __init__(self, http: HttpCore) -> None:
        self._http = http

    def list(self) -> list[DevApiKey]:
        """The keys, newest first (never their secrets)."""
        call = Call("GET", "keys", auth="id_token")
        return self._http.execute(
            call, partial(parse_list, parse=parse_dev_api_key, noun=Noun("key", "keys"))
        )

    def create(self, name: str, *, scopes: Sequence[str] | None = None) -> DevApiKeyCreated:
        """Create a key (``scopes`` None: read-only); the secret is in the result, once.
        Not retried once it may have reached Omi."""
        body = {"name": name, "scopes": None if scopes is None else list(scopes)}
        call = Call("POST", "keys", body=body, auth="id_token", idempotent=False)
        return self._http.execute(call, parse_dev_api_key_created)

    def revoke(self, key_id: str) -> None:
        """Revoke a key; revoking an unknown key is not an error (Omi answers 204 anyway)."""
        call = Call("DELETE", "keys/{key_id}", path_params={"key_id": key_id}, auth="id_token")
        self._http.execute(call, _ignore_body)
