"""Identifiers the way the Omi backend makes them.

- memory ids derive from content (same stripped content -> same id, so re-posting upserts);
- action-item ids are random Firestore-style ids (creates are not idempotent);
- from-segments conversations with a ``client_session_id`` get a uuid5 id (idempotent retries);
- developer API keys are ``omi_dev_`` + 32 hex, stored as the sha256 of the part after the prefix.
"""

from __future__ import annotations

import hashlib
import secrets
import string
import uuid

DEV_KEY_PREFIX = "omi_dev_"

#: Namespace of the backend's from-segments idempotency ids (omi-api.md §1.4).
SESSION_NAMESPACE = uuid.UUID("fb2f1f36-3c84-47a4-9c62-b3f6fdb3fd13")

_FIRESTORE_ALPHABET = string.ascii_letters + string.digits


def memory_id_from_content(content: str) -> str:
    """Return the uuid4-shaped id the backend derives from the stripped ``content``.

    The first 16 bytes of sha256(content) become a UUID with version 4 and RFC 4122 variant bits.
    """
    digest = hashlib.sha256(content.strip().encode("utf-8")).digest()
    return str(uuid.UUID(bytes=digest[:16], version=4))


def session_conversation_id(user_id: str, client_session_id: str) -> str:
    """Return the deterministic conversation id for a from-segments ``client_session_id``."""
    return str(uuid.uuid5(SESSION_NAMESPACE, f"{user_id}\0{client_session_id}"))


def new_document_id() -> str:
    """Return a random 20-character Firestore-style document id."""
    return "".join(secrets.choice(_FIRESTORE_ALPHABET) for _ in range(20))


def new_uuid() -> str:
    """Return a random uuid4 string."""
    return str(uuid.uuid4())


def new_dev_key() -> str:
    """Return a fresh raw developer key: ``omi_dev_`` + 32 lowercase hex characters."""
    return DEV_KEY_PREFIX + secrets.token_hex(16)


def hash_dev_key_secret(secret_part: str) -> str:
    """Return the stored hash of a key's secret part (the text after ``omi_dev_``)."""
    return hashlib.sha256(secret_part.encode("utf-8")).hexdigest()


def hash_dev_key(raw_key: str) -> str | None:
    """Return the stored hash of a full raw key, or None if it lacks the ``omi_dev_`` prefix."""
    if not raw_key.startswith(DEV_KEY_PREFIX):
        return None
    return hash_dev_key_secret(raw_key[len(DEV_KEY_PREFIX) :])


def dev_key_display_prefix(raw_key: str) -> str:
    """Return the non-secret ``key_prefix`` shown in listings: ``omi_dev_abcd...wxyz``."""
    secret_part = raw_key[len(DEV_KEY_PREFIX) :]
    return f"{DEV_KEY_PREFIX}{secret_part[:4]}...{secret_part[-4:]}"
