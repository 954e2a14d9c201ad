"""Quality of eligibility, signposting, threshold and escalation on a pack's vignettes, each
vignette run twice: as structured facts and as the worker's free text."""

from __future__ import annotations

from typing import Any

from waymark.cases import Cases

FORMS = ("family", "text")


def _ratio(right: int, total: int) -> float:
    return round(right / total, 4) if total else 1.0


def evaluate_cases(cases: Cases, vignettes: list[dict[str, Any]],
                   misses: list[dict[str, Any]]) -> dict[str, float]:
    elig = {f: [0, 0] for f in FORMS}
    level = {f: [0, 0] for f in FORMS}
    tp = {f: 0 for f in FORMS}
    fp = {f: 0 for f in FORMS}
    fn = {f: 0 for f in FORMS}
    esc_hit = esc_n = alarm = calm = 0
    for v in vignettes:
        want = v["expect"]
        escalated = []
        for form in FORMS:
            body = {form: v[form]}
            for service_id, verdict in want["eligibility"].items():
                got = cases.eligibility(service_id, **body)["verdict"]
                elig[form][0] += got == verdict
                elig[form][1] += 1
                if got != verdict:
                    misses.append({"id": v["id"], "form": form, "service": service_id,
                                   "problem": f"eligibility {got}, expected {verdict}"})
            threshold = cases.threshold(**body)
            level[form][0] += threshold["level"] == want["level"]
            level[form][1] += 1
            if threshold["level"] != want["level"]:
                misses.append({"id": v["id"], "form": form, "problem":
                               f"level {threshold['level']}, expected {want['level']}"})
            signpost = cases.signpost(limit=50, **body)
            got_set = {s["service_id"] for s in signpost["services"] if s["verdict"] == "meets"}
            want_set = set(want["signpost"])
            tp[form] += len(got_set & want_set)
            fp[form] += len(got_set - want_set)
            fn[form] += len(want_set - got_set)
            if got_set != want_set:
                misses.append({"id": v["id"], "form": form, "problem": "signpost",
                               "extra": sorted(got_set - want_set),
                               "missing": sorted(want_set - got_set)})
            escalated += [threshold["escalation"] is not None,
                          signpost["escalation"] is not None]
        if want["escalate"]:
            esc_n += 1
            esc_hit += all(escalated)
            if not all(escalated):
                misses.append({"id": v["id"], "problem": "immediate risk not escalated"})
        else:
            calm += 1
            alarm += any(escalated)
            if any(escalated):
                misses.append({"id": v["id"], "problem": "escalated without immediate risk"})

    def f1(form: str) -> float:
        denominator = 2 * tp[form] + fp[form] + fn[form]
        return round(2 * tp[form] / denominator, 4) if denominator else 1.0

    return {
        "eligibility_accuracy_structured": _ratio(*elig["family"]),
        "eligibility_accuracy_text": _ratio(*elig["text"]),
        "threshold_accuracy_structured": _ratio(*level["family"]),
        "threshold_accuracy_text": _ratio(*level["text"]),
        "signpost_precision": _ratio(tp["text"], tp["text"] + fp["text"]),
        "signpost_recall": _ratio(tp["text"], tp["text"] + fn["text"]),
        "signpost_f1": f1("text"),
        "signpost_f1_structured": f1("family"),
        "case_escalation_recall": _ratio(esc_hit, esc_n),
        "case_escalation_false_positive_rate": round(alarm / calm, 4) if calm else 0.0,
    }
