"""Reading the configuration: the JSON file and the environment into the schema (stack/config.py), and every
broken rule turned into one "field: rule" line, before anything is built or written."""

from __future__ import annotations

import json
import os
import typing
from pathlib import Path

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from stack.config import ENV_PREFIX, ENVIRONMENT, Config, Why

CONFIG_FILE_ENV = "MIGRATION_CONFIG_FILE"
SCHEMA_KEY = "$schema"  # where an editor finds docs/config.schema.json; not a setting
TYPE_WORDS = {"int": "a whole number", "bool": "true or false", "string": "a string", "tuple": "a list",
              "whole_number": "a whole number", "model": "an object", "dict": "an object"}


class ConfigError(Exception):
    """One or more configuration rules are broken; `problems` names each field and rule."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("invalid configuration:\n" + "\n".join(f"  - {p}" for p in problems))


def load(env: typing.Mapping[str, str] | None = None, config_file: str | None = None) -> Config:
    """Read the config file (if any) and the environment, validate, and return the config or raise."""
    env = dict(os.environ if env is None else env)
    given = _file(config_file or env.get(CONFIG_FILE_ENV, ""))
    token = ENVIRONMENT.set(env)
    try:
        return Config(**given)
    except ValidationError as error:
        raise ConfigError(problems_of(error)) from None
    finally:
        ENVIRONMENT.reset(token)


def _file(path: str) -> dict:
    if not path:
        return {}
    try:
        given = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise ConfigError([f"{CONFIG_FILE_ENV}: file {path!r} does not exist"]) from None
    except json.JSONDecodeError as exc:
        raise ConfigError([f"{CONFIG_FILE_ENV}: {path!r} is not valid JSON ({exc})"]) from None
    if not isinstance(given, dict):
        raise ConfigError([f"{CONFIG_FILE_ENV}: {path!r} must hold a JSON object"])
    given.pop(SCHEMA_KEY, None)
    return given


def problems_of(error: ValidationError) -> list[str]:
    """Each error as "field: rule"; a rule across fields already names its fields."""
    problems: list[str] = []
    for e in error.errors():
        names = [str(part) for part in e["loc"] if isinstance(part, str)]
        path, kind, given = ".".join(names), e["type"], e.get("input")
        if kind == "config_rules":
            problems.extend(e["ctx"]["problems"])
        elif kind == "config_rule":
            problems.append(f"{path}: {e['ctx']['rule']}")
        elif kind in ("greater_than_equal", "less_than_equal"):
            problems.append(f"{path}: {_range_rule(names, given)}")
        elif kind == "extra_forbidden":
            known = sorted(_model_at(names[:-1]).model_fields)
            known = [_file_name(_model_at(names[:-1]), name) for name in known]
            problems.append(f"{path}: unknown setting (known: {', '.join(sorted(known))})")
        elif (word := TYPE_WORDS.get(kind) or TYPE_WORDS.get(kind.split("_")[0])) is not None:
            item = f" (item {e['loc'][-1] + 1})" if isinstance(e["loc"][-1], int) else ""
            problems.append(f"{path}: expected {word}{item}, got {given!r}")
        else:
            problems.append(f"{path}: {e['msg']}")
    return problems


def _model_at(names: list[str]) -> type[BaseModel]:
    model: type[BaseModel] = Config
    for name in names:
        model = typing.cast(type[BaseModel], _field(model, name).annotation)
    return model


def _field(model: type[BaseModel], name: str) -> FieldInfo:
    for key, info in model.model_fields.items():
        if name in (key, info.alias):
            return info
    raise KeyError(name)


def _file_name(model: type[BaseModel], key: str) -> str:
    return model.model_fields[key].alias or key


def _range_rule(names: list[str], given: object) -> str:
    info = _field(_model_at(names[:-1]), names[-1])
    low = next(m.ge for m in info.metadata if hasattr(m, "ge"))
    high = next(m.le for m in info.metadata if hasattr(m, "le"))
    why = next((m for m in info.metadata if isinstance(m, Why)), Why())
    words = f"{why.words} " if why.words else ""
    reason = f" ({why.why})" if why.why else ""
    return f"must be {words}{low} to {high}{reason}, got {given}"


def to_dict(config: Config) -> dict:
    """The config as the JSON a config file holds (tuples become lists)."""
    return config.model_dump(mode="json", by_alias=True)


def settings() -> dict[str, FieldInfo]:
    """Every setting by its path in the file (`section.field`)."""
    out: dict[str, FieldInfo] = {}
    for key, info in Config.model_fields.items():
        if isinstance(info.annotation, type) and issubclass(info.annotation, BaseModel):
            out.update({f"{key}.{_file_name(info.annotation, k)}": i for k, i in info.annotation.model_fields.items()})
        else:
            out[key] = info
    return out


def env_names() -> dict[str, str]:
    """Every config path with the environment variable that sets it."""
    names = {}
    for path, info in settings().items():
        alias = info.validation_alias
        upper = [c for c in getattr(alias, "choices", []) if isinstance(c, str) and c.isupper()]
        names[path] = upper[0] if upper else ENV_PREFIX + path.replace(".", "_").upper()
    return names


def defaults() -> dict[str, object]:
    """Every config path with its default value."""
    flat: dict[str, object] = {}
    for key, value in to_dict(Config()).items():
        if isinstance(value, dict):
            flat.update({f"{key}.{k}": v for k, v in value.items()})
        else:
            flat[key] = value
    return flat
