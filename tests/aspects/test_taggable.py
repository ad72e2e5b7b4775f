"""Reading the bindings' source gives the same answer as asking the binding classes."""

from __future__ import annotations

import inspect
import sys

import pytest

import stack.migration_stack  # noqa: F401  (imports every binding the stack uses)
from aspects.taggable import is_taggable
from foundation.cdk import TerraformResource
from foundation.toolchain import CURRENT


def test_source_reading_matches_the_classes():
    classes = {}
    for name, module in list(sys.modules.items()):
        if name.startswith(CURRENT.provider + ".") and module is not None:
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if issubclass(cls, TerraformResource) and cls is not TerraformResource and cls.__module__ == name:
                    classes[cls.TF_RESOURCE_TYPE] = cls
    assert len(classes) > 40
    assert {kind: hasattr(cls, "tags_input") for kind, cls in classes.items()} == \
        {kind: is_taggable(kind) for kind in classes}
    assert not is_taggable("google_compute_instance")


def test_an_unreadable_binding_fails_closed():
    assert is_taggable("aws_no_such_thing")  # no binding to read: the tag rule applies


def test_bindings_that_no_longer_read_as_expected_stop_the_check(monkeypatch):
    import aspects.taggable as taggable

    monkeypatch.setattr(taggable, "_from_source", lambda kind: False)  # the reader broke: everything untaggable
    taggable._verified.cache_clear()
    taggable.is_taggable.cache_clear()
    try:
        with pytest.raises(taggable.TaggabilityUnknownError, match="bindings changed shape"):
            taggable.is_taggable("aws_kms_key")
    finally:
        monkeypatch.undo()
        taggable._verified.cache_clear()
        taggable.is_taggable.cache_clear()
