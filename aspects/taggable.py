"""Whether a Terraform resource type takes tags, read from the provider bindings (no hand-kept list).

The binding's source is read rather than imported: importing would start the jsii runtime, which the
checkov gate otherwise never needs. It fails closed: a type is exempt from the tag rule only when its
binding is found and shows no tags; a binding that cannot be read means tags are required, and if the
reading stops recognising types known to take tags, it raises instead of exempting everything.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

from foundation.toolchain import CURRENT

PACKAGE = CURRENT.provider
# A resource class's first base, as jsii writes it in either toolchain's bindings (the alias is a hash).
RESOURCE_BASE = re.compile(r"\(\n    _cdkt[fn]_[0-9a-f]{8}\.TerraformResource,")


@functools.cache
def _package_dir() -> Path | None:
    spec = importlib.util.find_spec(PACKAGE)  # a top-level find_spec does not run the package
    return Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None


KNOWN_TAGGABLE = ("aws_vpc", "aws_rds_cluster", "aws_sns_topic")  # AWS documents tags on each
KNOWN_UNTAGGABLE = ("aws_route53_record", "aws_iam_role_policy")


class TaggabilityUnknownError(RuntimeError):
    """The provider bindings no longer read as expected: no type may be exempted from the tag rule."""


@functools.cache
def _verified() -> bool:
    found = {kind: _from_source(kind) for kind in (*KNOWN_TAGGABLE, *KNOWN_UNTAGGABLE)}
    expected = {**dict.fromkeys(KNOWN_TAGGABLE, True), **dict.fromkeys(KNOWN_UNTAGGABLE, False)}
    if found != expected:
        raise TaggabilityUnknownError(f"reading taggability from the provider bindings gave {found}, expected "
                                      f"{expected}: the bindings changed shape; fix aspects/taggable.py")
    return True


@functools.cache
def is_taggable(kind: str) -> bool:
    if not kind.startswith("aws_"):
        return False  # not an AWS resource: the tag rule is not about it
    _verified()
    found = _from_source(kind)
    return True if found is None else found


def _from_source(kind: str) -> bool | None:
    """True or False as the binding says; None when there is no binding to read (then tags are required)."""
    package = _package_dir()
    if package is None:
        return None
    source = package / kind[4:] / "__init__.py"
    if not source.is_file():
        return None
    # Module <type minus "aws_"> holds the resource class; data sources live in data_aws_* modules.
    text = source.read_text()
    base = RESOURCE_BASE.search(text)
    if base is None:
        return None
    start = base.start()
    following = re.search(r"\n(class |@jsii\.data_type|@jsii\.interface)", text[start:])
    body = text[start:start + following.start()] if following else text[start:]
    return re.search(r"\n    def tags_input\(", body) is not None
