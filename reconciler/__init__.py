"""reconciler: declarative, plugin-based reconciliation of SaaS tenant settings.

``from reconciler import hookimpl`` is the one import a plugin author needs; the records a
plugin returns and the values it receives are importable from here too, and so is everything
the built-in plugins use of the core: a plugin imports ``reconciler`` (and ``reconciler.testing``
in its tests), never a module inside it. The helpers below the records are loaded on first use,
so that importing a plugin costs no more than the records it names.
"""

import importlib as _importlib
import typing as _typing

from reconciler.errors import (
    ApplyFailed,
    AuthenticationError,
    ConfigError,
    NotFoundError,
    OutcomeUnknownError,
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
from reconciler.model import (
    SENSITIVE,
    Action,
    Basis,
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
    NotCompared,
    Plan,
    Targeting,
    Unset,
    not_compared_summary,
)
from reconciler.plugin.hookspecs import hookimpl
from reconciler.records import (
    PART_BREAK,
    ApplyResult,
    ApplyStatus,
    ChangeOutcome,
    DoctorRequest,
    DoctorStep,
    Outcome,
    Problem,
    Provider,
    ProviderContext,
    ProviderSession,
    ReadProgress,
    Refusal,
    RenderOptions,
    Reporter,
    ResourceKind,
    SandboxFactory,
    Scope,
    StepStatus,
)
from reconciler.speedups import enabled as speedups_enabled
from reconciler.version import __version__

if _typing.TYPE_CHECKING:
    from reconciler.console import printable
    from reconciler.documents.drift import drift_to_document
    from reconciler.documents.findings import code_quality_report, sarif_log
    from reconciler.documents.findings import from_refusals as findings_from_refusals
    from reconciler.documents.plan import json_value, plan_to_document
    from reconciler.documents.problems import workflow_command
    from reconciler.documents.versioned import dump_document
    from reconciler.fastjson import loads as json_loads
    from reconciler.fastschema import Validator as SchemaValidator
    from reconciler.settings.config import load_settings
    from reconciler.waiting import wait as wait_for_retry


#: The helpers loaded on first use: their name here, and where they are defined.
_LAZY: dict[str, tuple[str, str]] = {
    "SchemaValidator": ("reconciler.fastschema", "Validator"),
    "code_quality_report": ("reconciler.documents.findings", "code_quality_report"),
    "drift_to_document": ("reconciler.documents.drift", "drift_to_document"),
    "dump_document": ("reconciler.documents.versioned", "dump_document"),
    "findings_from_refusals": ("reconciler.documents.findings", "from_refusals"),
    "json_loads": ("reconciler.fastjson", "loads"),
    "json_value": ("reconciler.documents.plan", "json_value"),
    "load_settings": ("reconciler.settings.config", "load_settings"),
    "plan_to_document": ("reconciler.documents.plan", "plan_to_document"),
    "printable": ("reconciler.console", "printable"),
    "sarif_log": ("reconciler.documents.findings", "sarif_log"),
    "wait_for_retry": ("reconciler.waiting", "wait"),
    "workflow_command": ("reconciler.documents.problems", "workflow_command"),
}


def __getattr__(name: str) -> object:
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'reconciler' has no attribute {name!r}") from None
    value = getattr(_importlib.import_module(module), attribute)
    globals()[name] = value
    return value


__all__ = [
    "PART_BREAK",
    "SENSITIVE",
    "Action",
    "ApplyFailed",
    "ApplyResult",
    "ApplyStatus",
    "AuthenticationError",
    "Basis",
    "Change",
    "ChangeOutcome",
    "ConfigError",
    "DesiredObject",
    "DesiredState",
    "DoctorRequest",
    "DoctorStep",
    "DriftCategory",
    "DriftReport",
    "DriftedObject",
    "FieldChange",
    "Ignored",
    "LiveObject",
    "LiveRef",
    "Location",
    "NotCompared",
    "NotFoundError",
    "Outcome",
    "OutcomeUnknownError",
    "Plan",
    "PlanRefused",
    "PluginError",
    "Problem",
    "Provider",
    "ProviderContext",
    "ProviderError",
    "ProviderSession",
    "ReadProgress",
    "ReconcilerError",
    "Refusal",
    "RejectedError",
    "RenderOptions",
    "Reporter",
    "ResourceKind",
    "SandboxFactory",
    "SchemaValidator",
    "Scope",
    "ServiceError",
    "SettingsError",
    "StaleObjectError",
    "StepStatus",
    "Targeting",
    "TransportError",
    "Unset",
    "__version__",
    "code_quality_report",
    "drift_to_document",
    "dump_document",
    "findings_from_refusals",
    "hookimpl",
    "json_loads",
    "json_value",
    "load_settings",
    "not_compared_summary",
    "plan_to_document",
    "printable",
    "sarif_log",
    "speedups_enabled",
    "wait_for_retry",
    "workflow_command",
]
