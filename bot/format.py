"""Waymark's answers as Telegram HTML (`waymark.bot.split` cuts it to Telegram's limit).

Every piece of text that comes from the knowledge base or from the worker is escaped; the only
markup is the tags written here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

VERDICTS = {
    "meets": "✅ meets the criteria",
    "does_not_meet": "❌ does not meet the criteria",
    "needs_more_information": "❓ needs more information",
}
STATUS = {"met": "✅", "not_met": "❌", "unknown": "❓"}
STALE = "⚠️ stale (past its review date)"
DRAFT = "📝 metadata not yet confirmed"
APOLOGY = "Sorry — something went wrong on our side; please try again."


def esc(text: object) -> str:
    return escape(str(text), quote=False)


def _join(blocks: Iterable[str]) -> str:
    return "\n\n".join(block for block in blocks if block)


# ---------------------------------------------------------------------------------- citations

def _link(url: str | None) -> str:
    if url and re.match(r"^https?://", url):
        return f'<a href="{escape(url, quote=True)}">link</a>'
    return ""


def _source(citation: Mapping[str, Any], full_section: bool) -> str:
    """title, v<version>, section / p. N, link, stale marker."""
    bits = [esc(citation.get("title") or citation.get("doc_id") or "untitled")]
    if citation.get("version"):
        bits.append(f"v{esc(citation['version'])}")
    section = citation.get("section") or ""
    if section and not full_section:
        section = section.split(" > ")[-1]  # the most specific heading is what a phone needs
    where = [esc(section)] if section else []
    if citation.get("page"):
        where.append(f"p. {esc(citation['page'])}")
    if where:
        bits.append(" / ".join(where))
    line = ", ".join(bits)
    if link := _link(citation.get("url")):
        line += f" — {link}"
    if citation.get("stale"):
        line += f" {STALE}"
    if citation.get("metadata") == "draft":
        line += f" {DRAFT}"
    return line


def citation_line(citation: Mapping[str, Any], numbered: bool = True) -> str:
    """One compact line: [n] title, v<version>, section / p. N, link, stale marker."""
    line = _source(citation, full_section=False)
    return f"[{esc(citation.get('n', '?'))}] {line}" if numbered else line


def source_lines(citations: Sequence[Mapping[str, Any]]) -> list[str]:
    """Compact lines, one per distinct source: citations that would print the same line share
    it ("[1, 2] …")."""
    grouped: dict[str, list[str]] = {}
    for citation in citations:
        grouped.setdefault(_source(citation, full_section=False), []).append(
            esc(citation.get("n", "?")))
    return [f"[{', '.join(numbers)}] {line}" for line, numbers in grouped.items()]


def quote_block(citation: Mapping[str, Any], marker: str | None = None) -> str:
    """A citation with its full verbatim quote, for "Show sources"."""
    head = _source(citation, full_section=True)
    label = marker if marker is not None else f"[{esc(citation.get('n', '?'))}]"
    return f"<b>{label}</b> {head}\n<i>“{esc(citation.get('quote', ''))}”</i>"


def render_quotes(citations: Sequence[Mapping[str, Any]],
                  escalation_citation: Mapping[str, Any] | None = None) -> str:
    blocks = ["<b>Sources, with the passages relied on</b>"]
    if escalation_citation:
        blocks.append(quote_block(escalation_citation, marker="⚠️"))
    blocks += [quote_block(c) for c in citations]
    return _join(blocks)


# ---------------------------------------------------------------------------------- answers

def render_escalation(escalation: Mapping[str, Any] | None) -> str:
    if not escalation:
        return ""
    lines = [f"🚨 <b>{esc(escalation.get('message', ''))}</b>"]
    lines += [f"• <b>{esc(action)}</b>" for action in escalation.get("actions") or []]
    if escalation.get("citation"):
        lines.append(f"<i>Source: {citation_line(escalation['citation'], numbered=False)}</i>")
    return "\n".join(lines)


def render_advisory(result: Mapping[str, Any]) -> str:
    return f"<i>{esc(result['advisory'])}</i>" if result.get("advisory") else ""


def render_answer(result: Mapping[str, Any]) -> str:
    """The `Answerer.ask` object: escalation first, the cited answer, sources, advisory."""
    citations = result.get("citations") or []
    sources = ""
    if citations:
        sources = "<b>Sources</b>\n" + "\n".join(source_lines(citations))
    return _join([render_escalation(result.get("escalation")), esc(result.get("answer", "")),
                  sources, render_advisory(result)])


# ---------------------------------------------------------------------------------- families

def _age(years: float) -> str:
    if years < 2 and years != int(years):
        return f"{round(years * 12)} months"
    return f"{years:g}"


def _terms(ids: Iterable[str], labels: Mapping[str, str]) -> str:
    return ", ".join(esc(labels.get(term, term)) for term in ids)


def family_lines(family: Mapping[str, Any], labels: Mapping[str, str]) -> list[str]:
    """The facts Waymark used, one bullet each (unknown facts are simply absent)."""
    lines = []
    children = [c["age_years"] for c in family.get("children") or []
                if c.get("age_years") is not None]
    if children:
        lines.append("Children aged " + ", ".join(_age(a) for a in children))
    elif family.get("children"):
        lines.append(f"Children: {len(family['children'])} (ages not known)")
    parents = [p["age_years"] for p in family.get("parents") or []
               if p.get("age_years") is not None]
    if parents:
        lines.append("Parent(s) aged " + ", ".join(_age(a) for a in parents))
    if family.get("pregnant") is not None:
        lines.append("Pregnant: " + ("yes" if family["pregnant"] else "no"))
    if family.get("postcode"):
        lines.append(f"Postcode: {esc(family['postcode'])}")
    if family.get("needs"):
        lines.append("Needs: " + _terms(family["needs"], labels))
    if family.get("circumstances"):
        lines.append("Circumstances: " + _terms(family["circumstances"], labels))
    if family.get("level") is not None:
        lines.append(f"Level stated: {esc(family['level'])}")
    if family.get("consent") is not None:
        lines.append("Consent to referral: " + ("yes" if family["consent"] else "no"))
    return [f"• {line}" for line in lines]


FIX_HINT = ("Not right? Send /fix with the right facts, e.g. "
            "<code>/fix mum is 24, not pregnant</code>.")


def render_family(family: Mapping[str, Any], labels: Mapping[str, str],
                  heading: str = "Facts used") -> str:
    lines = family_lines(family, labels)
    if family.get("summary") and family.get("extracted_from_text") is not None:
        return (f"<b>Read:</b> {esc(family['summary'])}\n<i>{FIX_HINT}</i>\n\n"
                + _facts_block(family, lines, heading))
    return _facts_block(family, lines, heading)


def _facts_block(family: Mapping[str, Any], lines: list[str], heading: str) -> str:
    if not lines:
        return (f"<b>{esc(heading)}</b>\nNone I could read. I understand ages, postcode, "
                "pregnancy, needs and circumstances, a stated level and consent.")
    words = [f"“{esc(e['text'])}”" for e in family.get("extracted_from_text") or []
             if e.get("text")]
    if words:
        lines.append("<i>From your words: " + " · ".join(words) + "</i>")
    return f"<b>{esc(heading)}</b>\n" + "\n".join(lines)


def _referral(referral: Mapping[str, Any] | None) -> str:
    if not referral:
        return ""
    bits = []
    if referral.get("route"):
        bits.append(f"Referral: {esc(referral['route'])}")
    if referral.get("contact"):
        bits.append(f"Contact: {esc(referral['contact'])}")
    if referral.get("self_referral") is not None:
        bits.append("Self-referral: " + ("yes" if referral["self_referral"] else "no"))
    return " · ".join(bits)


def _criterion_name(name: str) -> str:
    return esc(name.replace("_", " ").capitalize())


def render_eligibility(result: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """`Cases.eligibility`: verdict, each criterion, questions to ask, how to refer."""
    verdict = VERDICTS.get(result.get("verdict", ""), esc(result.get("verdict", "")))
    head = f"<b>{esc(result.get('title') or result.get('service_id'))}</b>: {verdict}"
    if result.get("caveat"):
        head += f"\n{DRAFT}: {esc(result['caveat'])}"
    criteria = []
    for c in result.get("criteria") or []:
        line = (f"{STATUS.get(c.get('status'), '•')} {_criterion_name(c.get('criterion', ''))}"
                f" — {esc(c.get('detail', ''))}")
        if c.get("citation"):
            line += f" [{esc(c['citation'].get('n', '?'))}]"
        criteria.append(line)
    blocks = [render_escalation(result.get("escalation")), head]
    if criteria:
        blocks.append("<b>Criteria</b>\n" + "\n".join(criteria))
    if result.get("missing"):
        blocks.append("<b>Questions to ask the family</b>\n"
                      + "\n".join(f"• {esc(q)}" for q in result["missing"]))
    level = result.get("level_used") or {}
    if level.get("level") is not None:
        blocks.append(f"Level used: {esc(level['level'])} ({esc(level.get('source') or '')})")
    blocks += [_referral(result.get("referral")),
               render_family(result.get("family") or {}, labels), render_advisory(result)]
    return _join(blocks)


def render_signpost(result: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """`Cases.signpost`: services that meet, then those that need more information."""
    rows = []
    for i, service in enumerate(result.get("services") or [], start=1):
        verdict = VERDICTS.get(service.get("verdict", ""), esc(service.get("verdict", "")))
        lines = [f"{i}. <b>{esc(service.get('title') or service.get('service_id'))}</b> — "
                 f"{verdict}" + (f" ({DRAFT})" if service.get("metadata") == "draft" else "")]
        lines += [f"   ✅ {esc(reason)}" for reason in service.get("reasons") or []]
        lines += [f"   ❓ Ask: {esc(q)}" for q in service.get("missing") or []]
        if referral := _referral(service.get("referral")):
            lines.append(f"   {referral}")
        rows.append("\n".join(lines))
    level = result.get("suggested_level")
    head = "<b>Services that could fit</b>"
    if level is not None:
        head += f" (suggested level {esc(level)})"
    body = "\n\n".join(rows) if rows else "No service in the knowledge base fits yet."
    advice = (result.get("advice") or {}).get("message")
    return _join([render_escalation(result.get("escalation")), head, body,
                  esc(advice) if advice else "",
                  render_family(result.get("family") or {}, labels), render_advisory(result)])


def render_threshold(result: Mapping[str, Any], labels: Mapping[str, str]) -> str:
    """`Cases.threshold`: the suggested level and every indicator behind it."""
    name = f" — {esc(result['level_name'])}" if result.get("level_name") else ""
    head = f"<b>Suggested level of need: {esc(result.get('level'))}{name}</b>"
    indicators = []
    for m in result.get("indicators") or []:
        line = f"• {esc(labels.get(m.get('need', ''), m.get('need', '')))} — level " \
               f"{esc(m.get('level'))}"
        if m.get("immediate_risk"):
            line += " (immediate risk)"
        if m.get("citation"):
            line += f" [{esc(m['citation'].get('n', '?'))}]"
        indicators.append(line)
    body = ("<b>Indicators</b>\n" + "\n".join(indicators) if indicators
            else "No indicator matched, so level 1 is the starting point.")
    return _join([render_escalation(result.get("escalation")), head, body,
                  render_family(result.get("family") or {}, labels), render_advisory(result)])


def render_note_added(result: Mapping[str, Any], labels: Mapping[str, str], notes: int) -> str:
    """The acknowledgement of a case note: escalation first, then what was read from it."""
    read = family_lines(result.get("family") or {}, labels)
    if read:
        body = f"Added to the case (note {notes}). From this note I understood:\n" + \
               "\n".join(read)
    else:
        body = (f"Added to the case (note {notes}), but I could not read any facts from it. "
                "I understand ages, postcode, pregnancy, needs and circumstances, a stated "
                "level and consent.")
    return _join([render_escalation(result.get("escalation")), body,
                  "/case shows everything so far; /check, /signpost and /threshold use it; "
                  "/clear forgets it."])


def render_case(result: Mapping[str, Any], labels: Mapping[str, str], notes: int,
                ttl_minutes: int) -> str:
    return _join([render_escalation(result.get("escalation")),
                  render_family(result.get("family") or {}, labels,
                                heading=f"The case so far ({notes} note{'s' * (notes != 1)})"),
                  f"<i>Kept in memory for this chat only; forgotten after {ttl_minutes} "
                  "minutes without use, or now with /clear.</i>"])


def render_documents(rows: Sequence[Mapping[str, Any]]) -> str:
    if not rows:
        return "The knowledge base is empty: no documents have been ingested yet."
    lines = [f"<b>The knowledge base: {len(rows)} document{'s' * (len(rows) != 1)}</b>"]
    for row in rows:
        line = f"• {esc(row.get('title') or row.get('doc_id'))}"
        if row.get("version"):
            line += f", v{esc(row['version'])}"
        if row.get("kind"):
            line += f" ({esc(row['kind'])})"
        if row.get("stale"):
            line += f" {STALE}"
        lines.append(line)
    return "\n".join(lines)
