"""Sending one Omi request: rate limiting, retries, and turning failures into OmiErrors.

Knows nothing about records; the resource modules give it a route and a parser.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from omisync import __version__
from omisync.omi._error_body import decode_json, error_from_answer
from omisync.omi._errors import (
    ConfigurationError,
    ConflictError,
    MalformedResponseError,
    OmiError,
    RateLimitedError,
    TransportError,
)
from omisync.omi._limits import ROUTE_POLICIES
from omisync.omi._parse import AnswerProblem
from omisync.omi._retry import RetryPolicy
from omisync.omi._secret import Secret, scrub
from omisync.ratelimit import RateBudgetExhausted, RateLimiter, read_feedback

T = TypeVar("T")

Auth = Literal["key", "id_token"]

log = logging.getLogger("omisync.omi")

# Failures that happen before a single byte of the request left: always safe to repeat.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True, slots=True)
class Call:
    """One logical API call: what to send and how safe it is to repeat."""

    method: str
    route: str
    path_params: Mapping[str, str] | None = None
    params: Mapping[str, Any] | None = None
    body: Any = None
    auth: Auth = "key"
    idempotent: bool = True
    extra_policies: tuple[str, ...] = ()
    gone_ok: bool = False
    """A 404 after an attempt that may have been applied counts as done (deletes)."""


class HttpCore:
    """Executes :class:`Call` s against one Omi base URL. Thread-safe."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: Secret | None,
        id_token: Secret | None,
        transport: httpx.BaseTransport | None,
        limiter: RateLimiter,
        timeout: float | httpx.Timeout,
        retry: RetryPolicy,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._base_path = urlsplit(self.base_url).path.rstrip("/")
        self._api_key = api_key
        self._id_token = id_token
        self.limiter = limiter
        self.retry = retry
        self._client = httpx.Client(
            base_url=self.base_url + "/",
            transport=transport,
            timeout=timeout,
            headers={"User-Agent": f"omisync/{__version__}", "Accept": "application/json"},
        )

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def display_path(self, call: Call) -> str:
        """The request's URL path, as shown in errors and logs."""
        return f"{self._base_path}/{self._relative_path(call)}"

    def _relative_path(self, call: Call) -> str:
        values = {k: quote(v, safe="") for k, v in (call.path_params or {}).items()}
        return call.route.format(**values)

    def _secrets(self) -> tuple[Secret | None, ...]:
        return (self._api_key, self._id_token)

    def _credential(self, call: Call, path: str) -> Secret:
        secret = self._api_key if call.auth == "key" else self._id_token
        if secret is None:
            missing = (
                "no API key: pass api_key= or set OMI_API_KEY"
                if call.auth == "key"
                else "key management needs a Firebase ID token: pass id_token="
            )
            raise ConfigurationError(missing, method=call.method, path=path)
        return secret

    def execute(self, call: Call, parse: Callable[[object], T]) -> T:
        """Send ``call`` (retrying when safe), return ``parse`` of the JSON answer.

        Raises the :class:`OmiError` subclass that means the failure.
        """
        path = self.display_path(call)
        credential = self._credential(call, path)
        policies = ROUTE_POLICIES[(call.method, call.route)] + call.extra_policies
        last_error: OmiError | None = None
        maybe_applied = False
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(call, path, credential, policies, last_error)
            if isinstance(outcome, TransportError):
                error: OmiError = outcome
                maybe_applied = maybe_applied or outcome.maybe_applied
            elif outcome.is_success:
                return self._parse(call, path, outcome, parse)
            elif call.gone_ok and maybe_applied and outcome.status_code == 404:
                return parse({"success": True})
            else:
                error = self._answer_error(call, path, outcome)
                maybe_applied = maybe_applied or outcome.status_code >= 500
            if not self._should_retry(attempt, error, call):
                raise error
            last_error = error
            self._log_retry(call, path, attempt, error)
            if not (isinstance(error, RateLimitedError) and error.retry_after is not None):
                self.retry.backoff(attempt)  # a Retry-After is waited out by the limiter

    def _attempt(
        self,
        call: Call,
        path: str,
        credential: Secret,
        policies: tuple[str, ...],
        last_error: OmiError | None,
    ) -> httpx.Response | TransportError:
        """One try: wait for the limiter, send, record. Returns the answer, or the
        :class:`TransportError` when none came back."""
        try:
            permit = self.limiter.acquire(policies)
        except RateBudgetExhausted as exc:
            if isinstance(last_error, RateLimitedError):
                raise last_error from exc  # the server's own 429 says more
            raise RateLimitedError(
                scrub(str(exc), self._secrets()),
                retry_after=exc.wait,
                method=call.method,
                path=path,
            ) from exc
        with permit:
            try:
                response = self._client.send(self._build(call, credential))
            except httpx.UnsupportedProtocol:
                raise ConfigurationError(
                    f"{self.base_url!r} is not an http(s) URL", method=call.method, path=path
                ) from None
            except httpx.RequestError as exc:
                # Returned, not chained: httpx's own text is only shown scrubbed.
                return self._transport_error(call, path, exc)
            permit.observe(response.headers, response.status_code)
        return response

    # --- pieces -----------------------------------------------------------------------------

    def _build(self, call: Call, credential: Secret) -> httpx.Request:
        params = {k: _query_value(v) for k, v in (call.params or {}).items() if v is not None}
        return self._client.build_request(
            call.method,
            self._relative_path(call),
            params=params,
            json=call.body,
            headers={"Authorization": f"Bearer {credential.reveal()}"},
        )

    def _should_retry(self, attempt: int, error: OmiError, call: Call) -> bool:
        if attempt >= self.retry.max_attempts:
            return False
        if isinstance(error, TransportError):
            return call.idempotent or not error.maybe_applied
        if isinstance(error, RateLimitedError):
            return True  # a 429 is refused before the request is processed
        if isinstance(error, ConflictError):
            return call.idempotent  # e.g. the same from-segments session still in flight
        status = error.status_code or 0
        return call.idempotent and status >= 500 and status != 501

    def _transport_error(self, call: Call, path: str, exc: httpx.RequestError) -> TransportError:
        not_sent = isinstance(exc, _NOT_SENT)
        if isinstance(exc, httpx.TimeoutException):
            what = "timed out connecting" if not_sent else "timed out waiting for the answer"
        elif not_sent:
            what = "could not connect"
        else:
            what = "the connection broke before the answer arrived"
        detail = scrub(str(exc), self._secrets()) or type(exc).__name__
        return TransportError(
            f"{what} ({type(exc).__name__}: {detail})",
            maybe_applied=not not_sent,
            method=call.method,
            path=path,
        )

    def _answer_error(self, call: Call, path: str, response: httpx.Response) -> OmiError:
        body = decode_json(scrub(response.text, self._secrets()))
        feedback = read_feedback(response.headers, time.time())
        return error_from_answer(
            response.status_code,
            body,
            response.reason_phrase,
            method=call.method,
            path=path,
            retry_after=feedback.retry_after,
        )

    def _parse(
        self, call: Call, path: str, response: httpx.Response, parse: Callable[[object], T]
    ) -> T:
        text = response.text
        body = decode_json(text) if text.strip() else None
        if isinstance(body, str):
            raise MalformedResponseError(
                "the answer is not JSON", method=call.method, path=path, status_code=200
            )
        try:
            return parse(body)
        except AnswerProblem as exc:
            raise MalformedResponseError(
                scrub(str(exc), self._secrets()),
                method=call.method,
                path=path,
                status_code=response.status_code,
            ) from None

    def _log_retry(self, call: Call, path: str, attempt: int, error: OmiError) -> None:
        log.warning(
            "retrying %s %s (attempt %d of %d failed: %s)",
            call.method,
            path,
            attempt,
            self.retry.max_attempts,
            type(error).__name__,
        )


def _query_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
