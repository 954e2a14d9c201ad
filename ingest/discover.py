"""Find the documents and taxonomy files under the paths a content owner names."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from waymark.loaders import SIDECAR_SUFFIX

TAXONOMY_NAME = "taxonomy.yaml"


@dataclass
class Found:
    documents: list[Path] = field(default_factory=list)
    taxonomies: list[Path] = field(default_factory=list)
    orphan_sidecars: list[Path] = field(default_factory=list)


def _ignored(path: Path, root: Path) -> bool:
    """Hidden files and folders, and a folder's README (the content owners' guide)."""
    parts = path.relative_to(root).parts
    return any(p.startswith(".") for p in parts) or path.name.lower().startswith("readme.")


def _classify(path: Path, found: Found) -> None:
    if path.name == TAXONOMY_NAME:
        found.taxonomies.append(path)
    elif path.name.endswith(SIDECAR_SUFFIX):
        document = path.with_name(path.name.removesuffix(SIDECAR_SUFFIX))
        if not document.exists():
            found.orphan_sidecars.append(path)
    else:
        found.documents.append(path)


def discover(paths: list[Path]) -> Found:
    """Every candidate file under `paths`, sorted; raises FileNotFoundError for a missing path."""
    found = Found()
    for root in paths:
        if not root.exists():
            raise FileNotFoundError(f"{root}: no such file or folder")
        if root.is_file():
            _classify(root, found)
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and not _ignored(path, root):
                _classify(path, found)
    found.documents = sorted(set(found.documents))
    found.taxonomies = sorted(set(found.taxonomies))
    return found
