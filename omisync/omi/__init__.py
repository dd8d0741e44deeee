"""A client for the Omi Developer API (``/v1/dev``), synchronous, on httpx.

::

    with OmiClient(api_key="omi_dev_...") as omi:
        scan = omi.action_items.scan(standalone_only=True)
        if scan.is_full_listing: ...
        omi.memories.create_batch([NewMemory("Prefers tea")])

It works with the real backend and with the public doc's variants: listings page until an
empty page and an empty look-ahead page after it, errors of either shape become one
:class:`OmiError` subclass per meaning, safe requests are retried with backoff, and every
request passes a :class:`RateLimiter`.
"""

from omisync.omi._action_items import BATCH_MAX as ACTION_ITEM_BATCH_MAX
from omisync.omi._action_items import PAGE_MAX as ACTION_ITEM_PAGE_MAX
from omisync.omi._action_items import ActionItems
from omisync.omi._client import (
    API_KEY_ENV,
    API_KEY_PREFIX,
    DEFAULT_BASE_URL,
    OmiClient,
    resolve_api_key,
)
from omisync.omi._conversations import PAGE_MAX as CONVERSATION_PAGE_MAX
from omisync.omi._conversations import PAGE_MAX_WITH_TRANSCRIPT as CONVERSATION_TRANSCRIPT_PAGE_MAX
from omisync.omi._conversations import Conversations
from omisync.omi._errors import (
    AuthError,
    ConfigurationError,
    ConflictError,
    FieldProblem,
    ForbiddenError,
    LockedError,
    MalformedResponseError,
    NotFoundError,
    OmiError,
    PartialBatchError,
    RateLimitedError,
    ServerError,
    TransportError,
    UnexpectedStatusError,
    ValidationError,
)
from omisync.omi._keys import Keys
from omisync.omi._limits import (
    BACKEND_POLICIES,
    KNOWN_POLICIES,
    OPT_IN_POLICIES,
    ROUTE_POLICIES,
    backend_rate_limits,
    docs_rate_limits,
    omi_rate_limits,
)
from omisync.omi._memories import BATCH_MAX as MEMORY_BATCH_MAX
from omisync.omi._memories import PAGE_MAX as MEMORY_PAGE_MAX
from omisync.omi._memories import Memories
from omisync.omi._models import (
    MEMORY_CATEGORIES,
    ActionItem,
    Conversation,
    ConversationActionItem,
    ConversationCreated,
    ConversationEvent,
    ConversationStructured,
    DevApiKey,
    DevApiKeyCreated,
    Geolocation,
    Memory,
    NewActionItem,
    NewMemory,
    NewSegment,
    TranscriptSegment,
)
from omisync.omi._paging import Pager, Scan
from omisync.omi._retry import NO_RETRY, RetryPolicy
from omisync.omi._secret import Secret

__all__ = [
    "ACTION_ITEM_BATCH_MAX",
    "ACTION_ITEM_PAGE_MAX",
    "API_KEY_ENV",
    "API_KEY_PREFIX",
    "BACKEND_POLICIES",
    "CONVERSATION_PAGE_MAX",
    "CONVERSATION_TRANSCRIPT_PAGE_MAX",
    "DEFAULT_BASE_URL",
    "KNOWN_POLICIES",
    "MEMORY_BATCH_MAX",
    "MEMORY_CATEGORIES",
    "MEMORY_PAGE_MAX",
    "NO_RETRY",
    "OPT_IN_POLICIES",
    "ROUTE_POLICIES",
    "ActionItem",
    "ActionItems",
    "AuthError",
    "ConfigurationError",
    "ConflictError",
    "Conversation",
    "ConversationActionItem",
    "ConversationCreated",
    "ConversationEvent",
    "ConversationStructured",
    "Conversations",
    "DevApiKey",
    "DevApiKeyCreated",
    "FieldProblem",
    "ForbiddenError",
    "Geolocation",
    "Keys",
    "LockedError",
    "MalformedResponseError",
    "Memories",
    "Memory",
    "NewActionItem",
    "NewMemory",
    "NewSegment",
    "NotFoundError",
    "OmiClient",
    "OmiError",
    "Pager",
    "PartialBatchError",
    "RateLimitedError",
    "RetryPolicy",
    "Scan",
    "Secret",
    "ServerError",
    "TranscriptSegment",
    "TransportError",
    "UnexpectedStatusError",
    "ValidationError",
    "backend_rate_limits",
    "docs_rate_limits",
    "omi_rate_limits",
    "resolve_api_key",
]
