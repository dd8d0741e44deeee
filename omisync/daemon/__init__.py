"""``omisync run`` as a service: each connector synced on its own schedule until stopped.

Public surface::

    from omisync.daemon import Daemon

    Daemon(config, reload_config=lambda: load_config(path)).run()   # returns the exit code

:class:`SystemdNotifier` speaks systemd's notify protocol; :class:`Backoff` says how long a
failing connector waits.
"""

from omisync.daemon.backoff import Backoff
from omisync.daemon.daemon import Daemon
from omisync.daemon.notify import SystemdNotifier

__all__ = ["Backoff", "Daemon", "SystemdNotifier"]
