"""reconciler: declarative, plugin-based reconciliation of SaaS tenant settings.

``from reconciler import hookimpl`` is the one import a plugin author needs; the records a
plugin returns and the values it receives are importable from here too.
"""

from reconciler.errors import (
    ApplyFailed,
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PlanRefused,
    PluginError,
    ProviderError,
    ReconcilerError,
    RejectedError,
    ServiceError,
    SettingsError,
    StaleObjectError,
    TransportError,
)
from reconciler.hookspecs import hookimpl
from reconciler.model import (
    Action,
    Change,
    DesiredObject,
    DesiredState,
    DriftCategory,
    DriftedObject,
    DriftReport,
    FieldChange,
    Ignored,
    LiveObject,
    LiveRef,
    Location,
    Plan,
)
from reconciler.records import (
    ApplyResult,
    ChangeOutcome,
    Outcome,
    Problem,
    Provider,
    ProviderContext,
    ProviderSession,
    Refusal,
    RenderOptions,
    Reporter,
    ResourceKind,
)

__version__ = "0.1.0"

__all__ = [
    "Action",
    "ApplyFailed",
    "ApplyResult",
    "AuthenticationError",
    "Change",
    "ChangeOutcome",
    "ConfigError",
    "DesiredObject",
    "DesiredState",
    "DriftCategory",
    "DriftReport",
    "DriftedObject",
    "FieldChange",
    "Ignored",
    "LiveObject",
    "LiveRef",
    "Location",
    "NotFoundError",
    "Outcome",
    "Plan",
    "PlanRefused",
    "PluginError",
    "Problem",
    "Provider",
    "ProviderContext",
    "ProviderError",
    "ProviderSession",
    "ReconcilerError",
    "Refusal",
    "RejectedError",
    "RenderOptions",
    "Reporter",
    "ResourceKind",
    "ServiceError",
    "SettingsError",
    "StaleObjectError",
    "TransportError",
    "__version__",
    "hookimpl",
]
