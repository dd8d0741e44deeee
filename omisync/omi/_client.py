"""The :class:`OmiClient`: one object per Omi account and base URL."""

from __future__ import annotations

import os
from types import TracebackType

import httpx

from omisync.omi._action_items import ActionItems
from omisync.omi._conversations import Conversations
from omisync.omi._errors import ConfigurationError
from omisync.omi._http import Call, HttpCore
from omisync.omi._keys import Keys
from omisync.omi._limits import docs_rate_limits
from omisync.omi._memories import Memories
from omisync.omi._models import DevApiKey
from omisync.omi._parse import parse_dev_api_key
from omisync.omi._retry import RetryPolicy
from omisync.omi._secret import Secret
from omisync.ratelimit import RateLimiter

DEFAULT_BASE_URL = "https://api.omi.me/v1/dev"
API_KEY_ENV = "OMI_API_KEY"
API_KEY_PREFIX = "omi_dev_"
SERVICE = "omi"


def resolve_api_key(api_key: str | Secret | None) -> Secret | None:
    """The developer key to use: ``api_key``, else ``$OMI_API_KEY``; None when neither is set.

    Raises :class:`ConfigurationError` (never showing the value) when it is not a developer key.
    """
    if isinstance(api_key, Secret):
        return api_key
    value = api_key if api_key is not None else os.environ.get(API_KEY_ENV)
    if value is None or not value.strip():
        return None
    value = value.strip()
    if not value.startswith(API_KEY_PREFIX):
        raise ConfigurationError(
            f"the API key does not start with {API_KEY_PREFIX!r}: use a developer key from the "
            "Omi app (Settings > Developer); an omi_mcp_ key only works for MCP"
        )
    return Secret(value)


class OmiClient:
    """A synchronous client for the Omi Developer API (``/v1/dev``).

    - ``api_key``: a developer key (``omi_dev_...``); default ``$OMI_API_KEY``.
    - ``id_token``: a Firebase ID token, needed only for :attr:`keys`.
    - ``transport``: an ``httpx`` transport (tests: ``httpx.MockTransport``).
    - ``limiter``: the Omi :class:`RateLimiter` (default: the doc's limits, in memory).
    - ``timeout``: seconds (or an ``httpx.Timeout``) before a request gives up.
    - ``retry``: the :class:`RetryPolicy` for failures that are safe to repeat.

    Raises :class:`ConfigurationError` when there is neither a key nor a token, or the key
    is not a developer key. Use as a context manager, or call :meth:`close`. The
    credentials never appear in ``repr()``, logs or error messages.
    """

    def __init__(
        self,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | Secret | None = None,
        *,
        id_token: str | Secret | None = None,
        transport: httpx.BaseTransport | None = None,
        limiter: RateLimiter | None = None,
        timeout: float | httpx.Timeout = 30.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        key = resolve_api_key(api_key)
        token = Secret(id_token) if isinstance(id_token, str) else id_token
        if key is None and token is None:
            raise ConfigurationError(
                f"no Omi API key: pass api_key= or set {API_KEY_ENV} (create a key in the Omi "
                "app under Settings > Developer)"
            )
        self._http = HttpCore(
            base_url=base_url,
            api_key=key,
            id_token=token,
            transport=transport,
            limiter=limiter if limiter is not None else RateLimiter(SERVICE, docs_rate_limits()),
            timeout=timeout,
            retry=retry if retry is not None else RetryPolicy(),
        )
        self.memories = Memories(self._http)
        """Memories: :class:`Memories`."""
        self.action_items = ActionItems(self._http)
        """Action items: :class:`ActionItems`."""
        self.conversations = Conversations(self._http)
        """Conversations: :class:`Conversations`."""
        self.keys = Keys(self._http)
        """API key management (needs ``id_token``): :class:`Keys`."""

    @property
    def base_url(self) -> str:
        """The API root, e.g. ``https://api.omi.me/v1/dev``."""
        return self._http.base_url

    @property
    def limiter(self) -> RateLimiter:
        """The rate limiter every request passes through."""
        return self._http.limiter

    def key_info(self) -> DevApiKey:
        """The calling key's own record (name, prefix, effective scopes)."""
        return self._http.execute(Call("GET", "key"), parse_dev_api_key)

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> OmiClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"OmiClient(base_url={self.base_url!r}, api_key='***')"
