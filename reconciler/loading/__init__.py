"""Loading the desired state: YAML files in, a validated ``DesiredState`` out.

The first two steps of the pipeline, with no network: :mod:`~reconciler.loading.yamlfile`
reads each file into plain values and their locations, :mod:`~reconciler.loading.references`
resolves ``${env:NAME}``, and :mod:`~reconciler.loading.desired` puts the files together
(sections, ``defaults:``, tombstones) and checks every object against its kind's schema.
"""

from reconciler.loading.desired import load_desired, read_desired
from reconciler.loading.limits import Limits

__all__ = ["Limits", "load_desired", "read_desired"]
