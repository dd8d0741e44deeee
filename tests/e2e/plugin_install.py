"""Install the test-only ``jsonfile`` connector the way a third-party package is installed.

:func:`install_jsonfile_plugin` writes, into a folder meant for ``PYTHONPATH``, a copy of
:mod:`jsonfile_connector` and a ``*.dist-info`` folder (``METADATA`` and ``entry_points.txt``)
registering it in the ``omisync.connectors`` group. ``importlib.metadata`` finds a dist-info
on any ``sys.path`` entry, so a subprocess with that folder on its ``PYTHONPATH`` discovers
the connector exactly as it would a pip-installed one, and nothing else ever does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import jsonfile_connector

CONNECTOR_TYPE = "jsonfile"
DISTRIBUTION = "omisync_jsonfile_test"

_METADATA = f"""\
Metadata-Version: 2.1
Name: {DISTRIBUTION.replace("_", "-")}
Version: 0.1
Summary: A file-backed omisync connector used only by omisync's end-to-end tests
"""

_ENTRY_POINTS = f"""\
[omisync.connectors]
{CONNECTOR_TYPE} = {jsonfile_connector.__name__}:{jsonfile_connector.JsonFileSide.__name__}
"""


def install_jsonfile_plugin(folder: Path) -> Path:
    """Write the connector module and its dist-info into ``folder`` (created); return it."""
    folder.mkdir(parents=True, exist_ok=True)
    source = Path(jsonfile_connector.__file__)
    shutil.copyfile(source, folder / source.name)
    info = folder / f"{DISTRIBUTION}-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text(_METADATA, encoding="utf-8")
    (info / "entry_points.txt").write_text(_ENTRY_POINTS, encoding="utf-8")
    return folder
