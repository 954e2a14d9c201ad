"""Fixed dev/test splits of evaluation items, the same on every machine.

Everything fitted (refusal cuts, reader cuts) is fitted on `dev`; `test` is the headline and the
gate. A pack under evals/packs/ is held out whole: all of it is test.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

DEV, TEST = "dev", "test"


Stratum = str | Callable[[dict[str, Any]], object]


def split(items: list[dict[str, Any]], stratum: Stratum) -> tuple[list[dict[str, Any]],
                                                               list[dict[str, Any]]]:
    """A half-and-half split by id, stratified on `stratum` (a field such as refuse or risk,
    or a function of the item): within each value, items ordered by the hash of their id
    alternate dev, test."""
    def value_of(item: dict[str, Any]) -> str:
        return str(stratum(item) if callable(stratum) else item.get(stratum))

    dev: list[dict[str, Any]] = []
    test: list[dict[str, Any]] = []
    for value in sorted({value_of(i) for i in items}):
        group = sorted((i for i in items if value_of(i) == value),
                       key=lambda i: hashlib.sha1(str(i["id"]).encode()).hexdigest())
        for n, item in enumerate(group):
            (dev if n % 2 == 0 else test).append(item)
    return dev, test


def split_of(items: list[dict[str, Any]], stratum: Stratum) -> dict[str, str]:
    """Each item's id mapped to DEV or TEST."""
    dev, test = split(items, stratum)
    return {**{str(i["id"]): DEV for i in dev}, **{str(i["id"]): TEST for i in test}}
