"""Whether a Terraform resource type takes tags, read from the provider bindings (no hand-kept list).

The binding's source is read rather than imported: importing would start the jsii runtime, which the
checkov gate otherwise never needs.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from pathlib import Path

PACKAGE = "cdktf_cdktf_provider_aws"


@functools.cache
def _package_dir() -> Path | None:
    spec = importlib.util.find_spec(PACKAGE)  # a top-level find_spec does not run the package
    return Path(next(iter(spec.submodule_search_locations))) if spec and spec.submodule_search_locations else None


@functools.cache
def is_taggable(kind: str) -> bool:
    package = _package_dir()
    if not kind.startswith("aws_") or package is None:
        return False
    source = package / kind[4:] / "__init__.py"
    if not source.is_file():
        return False
    # Module <type minus "aws_"> holds the resource class; data sources live in data_aws_* modules.
    text = source.read_text()
    start = text.find("(\n    _cdktf_9a9027ec.TerraformResource,")
    if start < 0:
        return False
    following = re.search(r"\n(class |@jsii\.data_type|@jsii\.interface)", text[start:])
    body = text[start:start + following.start()] if following else text[start:]
    return re.search(r"\n    def tags_input\(", body) is not None
