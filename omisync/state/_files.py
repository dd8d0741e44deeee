"""Private files on disk: folders we create are 0700, files we create are 0600."""

from __future__ import annotations

import os
from pathlib import Path

from omisync.state.errors import StateAccessError

PRIVATE_DIR_MODE = 0o700
PRIVATE_FILE_MODE = 0o600


def ensure_private_file(path: Path, *, what: str) -> bool:
    """Make sure ``path`` exists as a regular file; return True if this call created it.

    Missing parent folders are created with mode 0700 and a new file with mode 0600 (folders
    and files that already exist keep their mode: they are the user's). Raises
    :class:`StateAccessError` naming the path when the folder or file cannot be created or the
    path is not a regular file. ``what`` names the file in messages ("state DB", "lock file").
    """
    _ensure_private_dirs(path.parent, what=what, target=path)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, PRIVATE_FILE_MODE)
    except FileExistsError:
        if not path.is_file():
            raise StateAccessError(
                f"Cannot use {path} as the {what}: it exists but is not a regular file. "
                "Fix: remove or rename it, or point omisync at another state path.",
                path=path,
            ) from None
        return False
    except OSError as exc:
        raise _cannot_create(path, what, exc) from exc
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)  # the umask may have removed bits; set exactly 0600
    finally:
        os.close(fd)
    return True


def _ensure_private_dirs(folder: Path, *, what: str, target: Path) -> None:
    missing: list[Path] = []
    probe = folder
    while not probe.exists():
        missing.append(probe)
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise StateAccessError(
            f"Cannot create the {what} {target}: {probe} is a file, not a folder. "
            "Fix: move that file away, or point omisync at another state path.",
            path=target,
        )
    for new_dir in reversed(missing):
        try:
            new_dir.mkdir(mode=PRIVATE_DIR_MODE)
            os.chmod(new_dir, PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _cannot_create(target, what, exc) from exc


def _cannot_create(path: Path, what: str, exc: OSError) -> StateAccessError:
    reason = exc.strerror or str(exc)
    culprit = f" ({exc.filename})" if exc.filename and str(exc.filename) != str(path) else ""
    return StateAccessError(
        f"Cannot create the {what} {path}: {reason}{culprit}. "
        "Fix: make its folder writable by the user running omisync, or point omisync at "
        "another state path (`state.path` in the config, or $XDG_STATE_HOME).",
        path=path,
    )
