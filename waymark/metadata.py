"""Read document metadata (front matter or sidecar YAML) and validate it against the models.

YAML is parsed with timestamps left as text so that pydantic judges dates (an impossible date
becomes a field error with a line number, not a crash), and the composed node tree is kept to
find the line of every field an error names.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from waymark.errors import DocumentError
from waymark.models import KINDS, META_BY_KIND, RECOMMENDED_FIELDS, DocumentMeta, Taxonomy

FORMAT_GUIDE = "see knowledge/README.md for the format"


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as strings for pydantic to check."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def parse_yaml(text: str, path: Path, first_line: int = 1) -> tuple[Any, yaml.Node | None]:
    """The data and its node tree; `first_line` is the file line where `text` starts."""
    try:
        node = yaml.compose(text, Loader=_Loader)
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = first_line + mark.line if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        raise DocumentError(
            path, f"broken YAML: {problem}", line=line,
            hint="check the indentation and quote values that contain ':' or '#'",
        ) from None
    except yaml.YAMLError as exc:
        raise DocumentError(path, f"broken YAML: {exc}") from None
    return data, node


def _line_of(node: yaml.Node | None, loc: tuple[int | str, ...]) -> int | None:
    """0-based line of the deepest node along `loc` that exists."""
    line = node.start_mark.line if node is not None else None
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if getattr(k, "value", None) == part]
            if not match:
                break
            line, node = match[0][0].start_mark.line, match[0][1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line
        else:
            break
    return line


def _field_name(loc: tuple[int | str, ...]) -> str:
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def _explain(error: ErrorDetails) -> tuple[str, str | None]:
    """A plain-English problem and what to do, for one pydantic error."""
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "is required but missing", "add it"
    if kind == "literal_error" and error["loc"] == ("kind",):
        return f"{value!r} is not a known kind", f"use one of: {', '.join(KINDS)}"
    if kind == "literal_error":
        return f"{value!r} is not allowed", error["msg"].replace("Input should be", "use")
    if kind == "string_pattern_mismatch":
        return (
            f"{value!r} is not a valid id",
            "use lower-case letters, digits and single hyphens, e.g. nb-family-hub",
        )
    if kind.startswith("date"):
        return f"{value!r} is not a real date", "write it as YYYY-MM-DD, e.g. 2026-04-01"
    if kind == "value_error":
        return error["msg"].removeprefix("Value error, "), None
    return f"{error['msg'].lower()} (got {value!r})", None


def validation_error(
    exc: ValidationError, path: Path, node: yaml.Node | None, first_line: int
) -> DocumentError:
    """The first pydantic error, as a DocumentError with its line and field."""
    error = exc.errors()[0]
    loc = tuple(error["loc"])
    line = _line_of(node, loc)
    problem, hint = _explain(error)
    others = sorted({_field_name(tuple(e["loc"])) for e in exc.errors()[1:]} - {_field_name(loc)})
    if others:
        problem += f" (also check: {', '.join(others)})"
    return DocumentError(
        path, problem, line=None if line is None else first_line + line,
        field=_field_name(loc) or None, hint=hint,
    )


def _unknown_fields(model: BaseModel, prefix: str = "") -> list[str]:
    found = [f"{prefix}{key}" for key in (model.model_extra or {})]
    for name in type(model).model_fields:
        value = getattr(model, name)
        children = value if isinstance(value, list) else [value]
        for i, child in enumerate(children):
            if isinstance(child, BaseModel):
                index = f"[{i}]" if isinstance(value, list) else ""
                found += _unknown_fields(child, f"{prefix}{name}{index}.")
    return found


def validate_meta(
    data: Any, path: Path, node: yaml.Node | None = None, first_line: int = 1
) -> tuple[DocumentMeta, list[str]]:
    """Validate document metadata; returns the model and warnings (problems that do not block)."""
    if not isinstance(data, dict):
        raise DocumentError(
            path, "metadata must be a YAML mapping of fields (id, kind, title, ...)",
            line=first_line, hint=FORMAT_GUIDE,
        )
    kind = data.get("kind")
    model_type = META_BY_KIND.get(kind) if isinstance(kind, str) else None
    try:
        meta = (model_type or DocumentMeta).model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, path, node, first_line) from None
    warnings = [
        f"{path}: unknown field '{name}' is ignored; check its spelling ({FORMAT_GUIDE})"
        for name in _unknown_fields(meta)
    ]
    warnings += [
        f"{path}: recommended field '{name}' is missing"
        for name in RECOMMENDED_FIELDS[meta.kind]
        if name not in data
    ]
    return meta, warnings


def load_taxonomy(path: Path) -> Taxonomy:
    """Read and validate a taxonomy.yaml file."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise DocumentError(path, f"not valid UTF-8 (byte {exc.start})",
                            hint="save the file as UTF-8") from None
    data, node = parse_yaml(text, path)
    if not isinstance(data, dict) or "terms" not in data:
        raise DocumentError(path, "a taxonomy must be a mapping with a 'terms' list", line=1,
                            hint=FORMAT_GUIDE)
    try:
        return Taxonomy.model_validate(data)
    except ValidationError as exc:
        raise validation_error(exc, path, node, 1) from None
