"""Which resource types take tags, read from the provider bindings rather than listed by hand."""

from __future__ import annotations

import functools


@functools.cache
def taggable_types() -> frozenset[str]:
    from tests.synth_types import resource_classes

    return frozenset(kind for kind, cls in resource_classes().items() if hasattr(cls, "tags_input"))
