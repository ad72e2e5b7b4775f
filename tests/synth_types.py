"""Map Terraform resource types to the provider classes the stack imports."""

from __future__ import annotations

import functools
import inspect
import sys


@functools.cache
def resource_classes() -> dict[str, type]:
    from cdktf import TerraformResource

    import stack.migration_stack  # noqa: F401  (loads every construct module)

    classes = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith("cdktf_cdktf_provider_aws.") or module is None:
            continue
        for _, cls in inspect.getmembers(module, inspect.isclass):
            kind = getattr(cls, "TF_RESOURCE_TYPE", None)
            if isinstance(kind, str) and issubclass(cls, TerraformResource):
                classes[kind] = cls
    return classes
