"""Reading the bindings' source gives the same answer as asking the binding classes."""

from __future__ import annotations

import inspect
import sys

from cdktf import TerraformResource

import stack.migration_stack  # noqa: F401  (imports every binding the stack uses)
from aspects.taggable import is_taggable


def test_source_reading_matches_the_classes():
    classes = {}
    for name, module in list(sys.modules.items()):
        if name.startswith("cdktf_cdktf_provider_aws.") and module is not None:
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, TerraformResource) and cls is not TerraformResource and cls.__module__ == name:
                    classes[cls.TF_RESOURCE_TYPE] = cls
    assert len(classes) > 40
    assert {kind: hasattr(cls, "tags_input") for kind, cls in classes.items()} == \
        {kind: is_taggable(kind) for kind in classes}
    assert not is_taggable("aws_no_such_thing") and not is_taggable("google_compute_instance")
