"""Telegram HTML cut into messages under Telegram's limit, at paragraph, line or word breaks,
with the tags open at each cut closed and reopened in the next message."""

from __future__ import annotations

import re

MAX_MESSAGE = 4096  # Telegram's limit for one message's text

_ATOM = re.compile(r"<[^<>]*>|&#?[A-Za-z0-9]+;|\n|[^\S\n]+|[^\s<&]+|[<&]")
_TAG = re.compile(r"<\s*(/?)\s*([A-Za-z][\w-]*)")
_MAX_WORD = 100  # longer words are cut, so that no single atom comes near the limit
_PARAGRAPH, _LINE, _SPACE = 3, 2, 1

Stack = tuple[tuple[str, str], ...]  # the open tags: (name, opening tag as written)


def utf16_len(text: str) -> int:
    """Telegram counts UTF-16 code units; an emoji is two."""
    return len(text.encode("utf-16-le")) // 2


def _atoms(text: str) -> list[str]:
    atoms = []
    for atom in _ATOM.findall(text):
        if len(atom) > _MAX_WORD and not atom.startswith("<"):
            atoms += [atom[i:i + _MAX_WORD] for i in range(0, len(atom), _MAX_WORD)]
        else:
            atoms.append(atom)
    return atoms


def _apply(stack: Stack, atom: str) -> Stack:
    match = _TAG.match(atom) if atom.startswith("<") and atom.endswith(">") else None
    if not match:
        return stack
    closing, name = match.group(1), match.group(2).lower()
    if not closing:
        return (*stack, (name, atom))
    for i in range(len(stack) - 1, -1, -1):
        if stack[i][0] == name:
            return stack[:i] + stack[i + 1:]
    return stack


def _closing(stack: Stack) -> str:
    return "".join(f"</{name}>" for name, _ in reversed(stack))


def _has_text(html: str) -> bool:
    return bool(re.sub(r"<[^<>]*>", "", html).strip())


def split_html(text: str, limit: int = MAX_MESSAGE) -> list[str]:
    """`text` as messages of at most `limit` UTF-16 units of raw HTML (so also of parsed text),
    cut at a paragraph break if one is reasonably far in, else a line break, else a space; never
    inside a tag or an entity. Tags open at a cut are closed there and reopened in the next part,
    so every part is valid HTML on its own."""
    text = text.strip()
    if utf16_len(text) <= limit:
        return [text] if text else []
    atoms = _atoms(text)
    parts: list[str] = []
    stack: Stack = ()
    i = 0
    while i < len(atoms):
        while i < len(atoms) and atoms[i].isspace():
            i += 1
        if i == len(atoms):
            break
        head = "".join(tag for _, tag in stack)
        size, open_, j = utf16_len(head), stack, i
        breaks: list[tuple[int, int, Stack, int]] = []  # kind, cut index, open tags, size
        while j < len(atoms):
            atom = atoms[j]
            after = _apply(open_, atom)
            if size + utf16_len(atom) + utf16_len(_closing(after)) > limit:
                break
            size, open_, j = size + utf16_len(atom), after, j + 1
            if atom.isspace():
                kind = _SPACE
                if atom == "\n":
                    kind = _PARAGRAPH if j - 2 >= i and atoms[j - 2] == "\n" else _LINE
                breaks.append((kind, j, open_, size))
        if j == len(atoms):
            cut, cut_stack = j, open_
        elif j == i:
            raise ValueError("a single tag is longer than the message limit")
        else:
            cut, cut_stack = _choose(breaks, limit, j, open_)
        part = head + "".join(atoms[i:cut]).rstrip() + _closing(cut_stack)
        if _has_text(part):
            parts.append(part)
        stack, i = cut_stack, cut
    return parts


def _choose(breaks: list[tuple[int, int, Stack, int]], limit: int, hard: int,
            hard_stack: Stack) -> tuple[int, Stack]:
    for kind, least in ((_PARAGRAPH, limit // 2), (_LINE, limit // 3), (_SPACE, limit // 3)):
        fitting = [b for b in breaks if b[0] == kind and b[3] >= least]
        if fitting:
            return fitting[-1][1], fitting[-1][2]
    if breaks:
        return breaks[-1][1], breaks[-1][2]
    return hard, hard_stack
