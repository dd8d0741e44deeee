"""omisync's configuration: one YAML file plus optional ``connectors.d/*.yaml``.

Public surface: :func:`load_config`, :class:`Config` and its parts, :class:`ConfigError`.
"""

from omisync.config.errors import ConfigError, ConfigProblem
from omisync.config.load import default_config_path, find_config_path, load_config
from omisync.config.schema import (
    Config,
    ConnectorSettings,
    OmiSettings,
    RateLimitSettings,
    StateSettings,
    default_state_path,
    parse_duration,
)

__all__ = [
    "Config",
    "ConfigError",
    "ConfigProblem",
    "ConnectorSettings",
    "OmiSettings",
    "RateLimitSettings",
    "StateSettings",
    "default_config_path",
    "default_state_path",
    "find_config_path",
    "load_config",
    "parse_duration",
]
