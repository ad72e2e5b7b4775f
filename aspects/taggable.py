"""Whether a Terraform resource type takes tags, read from the provider bindings (no hand-kept list)."""

from __future__ import annotations

import functools
import importlib
import inspect


@functools.cache
def is_taggable(kind: str) -> bool:
    if not kind.startswith("aws_"):
        return False
    try:
        module = importlib.import_module(f"cdktf_cdktf_provider_aws.{kind[4:]}")
    except ImportError:
        return False
    return any(getattr(cls, "TF_RESOURCE_TYPE", None) == kind and hasattr(cls, "tags_input")
               for _, cls in inspect.getmembers(module, inspect.isclass))
