"""How often the metadata Waymark proposes for a draft is what the owner would confirm, field by
field, on documents written blind (Word files, PDFs and saved pages without metadata, and
`expected.yaml`). Each set is in one split: `evals/drafts/` (Brookvale),
`evals/drafts_kestrel/` (Kestrel Cross), `evals/drafts_marlow/` (Marlow Fen),
`evals/drafts_hollinbridge/` (Hollinbridge), `evals/drafts_ravensholt/` (Ravensholt),
`evals/drafts_corrington/` (Corrington), `evals/drafts_quenby/` (Quenby) and
`evals/drafts_tarrowby/` (Tarrowby), each the held-out set until its score was reported, and
`evals/drafts_elmstead/` (Elmstead, written as a dev set) are dev, fitted on;
`evals/drafts_wendlebury/` (Wendlebury, written last by another blind author and never fitted
on) is test. Each set is read as one knowledge base (a draft's districts are read against the
other services', `waymark/whole_area.py`)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from waymark.evals.splits import DEV, TEST
from waymark.loaders import load_document
from waymark.models import DocumentMeta
from waymark.whole_area import widen_to_whole_area

ROUTE_SHARE = 0.5  # a proposed route is right when it holds half the expected route's words


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if len(w) > 2}


def _same(field: str, proposed: Any, expected: Any) -> bool:
    if field == "referral.route":
        if expected is None or proposed is None:
            return expected is None and proposed is None
        wanted = _words(str(expected))
        return bool(wanted) and len(wanted & _words(str(proposed))) / len(wanted) >= ROUTE_SHARE
    if field == "eligibility.areas":
        return set(proposed or []) == set(expected or [])
    if field == "eligibility.child_age":
        def bounds(age: dict[str, Any] | None) -> tuple[Any, Any]:
            age = age or {}
            low, high = age.get("min_years"), age.get("max_years")
            # whole years, as the schema writes them: "from 6 months" is from 0, no lower bound
            return (None if low is None or int(low) == 0 else int(low),
                    None if high is None else int(high))
        return bounds(proposed) == bounds(expected)
    if field == "title":
        return " ".join(str(proposed).split()).lower() == " ".join(str(expected).split()).lower()
    if expected is None:
        return proposed is None
    return str(proposed) == str(expected)


def _fields(expected: dict[str, Any]) -> list[str]:
    names = ["title", "kind", "version", "effective"]
    for group in ("eligibility", "referral"):
        names += [f"{group}.{key}" for key in expected.get(group) or {}]
    return names


def _get(data: dict[str, Any], field: str) -> Any:
    value: Any = data
    for key in field.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


DRAFT_SETS = {DEV: [Path("evals/drafts"), Path("evals/drafts_kestrel"),
                    Path("evals/drafts_marlow"), Path("evals/drafts_hollinbridge"),
                    Path("evals/drafts_ravensholt"), Path("evals/drafts_elmstead"),
                    Path("evals/drafts_corrington"), Path("evals/drafts_quenby"),
                    Path("evals/drafts_tarrowby")],
              TEST: [Path("evals/drafts_wendlebury")]}


def evaluate_drafts(folders: list[Path], max_bytes: int, misses: list[dict[str, Any]],
                    split: str) -> dict[str, Any]:
    """Fields right / fields, and the share, over every document of `folders`."""
    expected = {(folder, path): want for folder in folders for path, want in (yaml.safe_load(
        (folder / "expected.yaml").read_text(encoding="utf-8")) or {}).items()}
    right = total = 0
    metas: dict[tuple[Path, str], DocumentMeta] = {}
    for folder in folders:  # each folder is one knowledge base, read whole as a generation is
        read = {path: load_document(folder / "documents" / path, max_bytes).meta
                for f, path in expected if f == folder}
        metas.update({(folder, path): meta for path, meta in widen_to_whole_area(read).items()})
    for (folder, path), want in expected.items():
        proposed = metas[(folder, path)].model_dump(mode="json")
        for field in _fields(want):
            same = _same(field, _get(proposed, field), _get(want, field))
            right, total = right + same, total + 1
            if not same:
                misses.append({"id": f"{folder.name}/{path}", "split": split,
                               "problem": "draft metadata",
                               "field": field, "proposed": _get(proposed, field),
                               "expected": _get(want, field)})
    return {"documents": len(expected), "fields": total, "right": right,
            "share": round(right / total, 4) if total else None}
