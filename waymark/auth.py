"""API tokens: a file of hashed tokens with a name and a role (practitioner < lead < owner).

Only the SHA-256 of a token is stored; the token itself is shown once, when created. The file
is re-read when it changes, so a revoked token stops working without a restart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from waymark.errors import WaymarkError

Role = Literal["practitioner", "lead", "owner"]
ROLES: tuple[Role, ...] = ("practitioner", "lead", "owner")
RANK = {role: n for n, role in enumerate(ROLES)}
TOKEN_PREFIX = "wm_"


@dataclass(frozen=True)
class Identity:
    name: str
    role: Role

    def can(self, role: Role) -> bool:
        return RANK[self.role] >= RANK[role]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _read(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise WaymarkError(f"{path}: the tokens file cannot be read ({exc})") from None
    return list(data.get("tokens", []))


def _write(path: Path, tokens: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps({"tokens": tokens}, indent=2) + "\n", encoding="utf-8")
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def create_token(path: Path, name: str, role: str) -> str:
    """A new token for `name` with `role`; returns the token (shown once, stored hashed)."""
    if role not in ROLES:
        raise WaymarkError(f"role {role!r} is not one of: {', '.join(ROLES)}")
    if not name.strip():
        raise WaymarkError("a token needs a name (who or what uses it)")
    tokens = _read(path)
    if any(t["name"] == name for t in tokens):
        raise WaymarkError(f"a token named {name!r} exists; revoke it first or pick a new name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    tokens.append({"name": name, "role": role, "sha256": _hash(token),
                   "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")})
    _write(path, tokens)
    return token


def revoke_token(path: Path, name: str) -> None:
    tokens = _read(path)
    kept = [t for t in tokens if t["name"] != name]
    if len(kept) == len(tokens):
        raise WaymarkError(f"no token named {name!r}")
    _write(path, kept)


def list_tokens(path: Path) -> list[dict[str, str]]:
    return [{"name": t["name"], "role": t["role"], "created_at": t.get("created_at", "")}
            for t in _read(path)]


class TokenFile:
    """Looks tokens up, re-reading the file whenever it changes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: float | None = None
        self._by_hash: dict[str, Identity] = {}

    def _current(self) -> dict[str, Identity]:
        """Tokens by hash, read again only when the file changed."""
        try:
            stamp: float | None = self.path.stat().st_mtime_ns
        except OSError:
            stamp = None
        if stamp != self._stamp:
            self._by_hash = {t["sha256"]: Identity(t["name"], t["role"])  # type: ignore[arg-type]
                             for t in _read(self.path)}
            self._stamp = stamp
        return self._by_hash

    def identify(self, token: str) -> Identity | None:
        digest = _hash(token)
        for known, identity in self._current().items():
            if hmac.compare_digest(known, digest):
                return identity
        return None

    @property
    def configured(self) -> bool:
        return bool(self._current())
