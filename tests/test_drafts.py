"""A content owner's files as they are: a Word service specification with no metadata goes in
as a draft, is answered from and cited with "metadata not yet confirmed", and once the owner
confirms it (CLI), its sidecar is written, the trail records it and only it is re-indexed."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml
from conftest import CountingEmbeddings, make_service_docx, write_doc

from waymark.answer import Answerer
from waymark.cases import Cases
from waymark.config import Settings
from waymark.ingest.pipeline import ingest
from waymark.store import open_store


def run_cli(args: list[str], data: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "waymark.cli", *args], capture_output=True,
                          text=True, env={**os.environ, "WAYMARK_DATA_DIR": str(data)},
                          timeout=300)


def test_a_word_file_without_metadata_is_a_cited_draft_until_confirmed(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    write_doc(kb, "guide.md", "bv-guide", "# Guide\n\nEarly help is offered with consent.\n")
    services = kb / "services"
    services.mkdir()
    make_service_docx(services / "Little_Voices.docx")
    report = ingest([kb], settings, embeddings=embeddings)
    assert report.drafted == ["little-voices"] and not report.failed
    store = open_store(settings)
    meta = store.snapshot().documents["little-voices"].meta
    assert meta.is_draft and meta.kind == "service"  # from its folder
    assert meta.title == "Little Voices Speech Group" and meta.version == "2.1"
    assert str(meta.effective) == "2026-04-01" and meta.owner is None
    eligibility = meta.eligibility  # type: ignore[attr-defined]
    assert (eligibility.child_age.min_years, eligibility.child_age.max_years) == (2, 4)
    assert eligibility.areas == ["BV1", "BV2", "BV5"] and eligibility.consent_required
    assert meta.referral.self_referral is False  # type: ignore[attr-defined]
    assert "BV1, BV2 and BV5" in meta.proposed_from["eligibility.areas"]

    rows = {r["doc_id"]: r for r in (d.source_row() for d in store.documents())}
    assert rows["little-voices"]["metadata"] == "draft"
    assert rows["bv-guide"]["metadata"] == "confirmed"

    answer = Answerer(store, embeddings).ask("how do i refer to little voices speech group?")
    assert not answer["refused"]
    cited = [c for c in answer["citations"] if c["doc_id"] == "little-voices"]
    assert cited and all(c["metadata"] == "draft" for c in cited)
    assert "metadata not yet confirmed" in answer["answer"]

    verdict = Cases(store).eligibility("little-voices", family={
        "children": [{"age_years": 3}], "postcode": "BV2 1AA", "consent": True})
    assert verdict["verdict"] == "meets" and verdict["metadata"] == "draft"
    assert "not yet confirmed" in verdict["caveat"]

    data = settings.data_dir
    shown = json.loads(run_cli(["metadata", "show", "little-voices", "--json"], data).stdout)
    assert shown["fields"]["eligibility"]["areas"] == ["BV1", "BV2", "BV5"]
    confirmed = run_cli(["metadata", "confirm", "little-voices", "--owner", "Early Years Team",
                         "--review-by", "2027-04-01", "--set", "version=2.2", "--json"], data)
    assert confirmed.returncode == 0, confirmed.stderr
    assert json.loads(confirmed.stdout)["changed"] == ["little-voices"]
    sidecar = yaml.safe_load((services / "Little_Voices.docx.meta.yaml").read_text())
    assert sidecar["owner"] == "Early Years Team" and str(sidecar["version"]) == "2.2"
    assert str(sidecar["review_by"]) == "2027-04-01" and sidecar["kind"] == "service"
    assert "metadata" not in sidecar and "proposed_from" not in sidecar

    store = open_store(settings)
    meta = store.snapshot().documents["little-voices"].meta
    assert not meta.is_draft and meta.owner == "Early Years Team"
    actions = [(t["action"], t["doc_id"]) for t in store.trail()]
    assert ("metadata confirmed", "little-voices") in actions
    again = run_cli(["metadata", "confirm", "little-voices"], data)
    assert again.returncode == 1 and "already confirmed" in again.stderr


def test_drafts_are_confirmed_in_bulk_from_a_spreadsheet(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings, tmp_path: Path) -> None:
    services = kb / "services"
    services.mkdir()
    make_service_docx(services / "Little_Voices.docx")
    (kb / "guidance").mkdir()
    (kb / "guidance" / "consent.md").write_text(
        "# Consent and information sharing\n\nAsk the family before sharing.\n",
        encoding="utf-8")
    ingest([kb], settings, embeddings=embeddings)
    data = settings.data_dir
    exported = run_cli(["metadata", "export"], data)
    assert exported.returncode == 0, exported.stderr
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    assert {r["doc_id"] for r in rows} == {"little-voices", "consent"}
    voices = next(r for r in rows if r["doc_id"] == "little-voices")
    assert voices["eligibility.areas"] == "BV1, BV2, BV5" and voices["owner"] == ""

    for row in rows:  # the owner fills in the spreadsheet
        row["owner"], row["review_by"] = "Early Help Team", "2027-03-31"
    voices["eligibility.areas"] = "BV1, BV2"
    sheet = tmp_path / "metadata.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    bad = tmp_path / "bad.csv"
    bad.write_text("doc_id,review_by\nlittle-voices,2027-03-31\nconsent,not a date\n")
    refused = run_cli(["metadata", "confirm-all", str(bad)], data)
    assert refused.returncode == 1 and "consent" in refused.stderr
    assert not (services / "Little_Voices.docx.meta.yaml").exists()  # nothing half-written

    done = run_cli(["metadata", "confirm-all", str(sheet), "--json"], data)
    assert done.returncode == 0, done.stderr
    assert sorted(json.loads(done.stdout)["changed"]) == ["consent", "little-voices"]
    documents = open_store(settings).snapshot().documents
    assert not any(d.meta.is_draft for d in documents.values())
    assert documents["little-voices"].meta.eligibility.areas == ["BV1", "BV2"]  # type: ignore
    assert documents["consent"].meta.owner == "Early Help Team"
    assert (kb / "guidance" / "consent.md").read_text().startswith("---\n")


def test_a_pdf_title_wrapped_over_two_lines_is_proposed_whole(tmp_path: Path) -> None:
    from conftest import make_pdf

    from waymark.loaders import load_document

    title = ("Safe Families Together: reducing parental conflict and keeping children out of "
             "the middle after separation")
    (tmp_path / "evidence").mkdir()
    pdf = make_pdf(tmp_path / "evidence" / "safe.pdf",
                   [[f"# {title}", "Version 2.0",
                     "A study of 40 families found fewer arguments after the course."]])
    meta = load_document(pdf, 1 << 20).meta
    assert meta.title == title and meta.kind == "evidence" and meta.version == "2.0"
    assert meta.proposed_from["title"].startswith("the title it shows")


def test_a_service_draft_reads_ranges_whose_age_and_the_route_under_its_heading(
        tmp_path: Path) -> None:
    from waymark.loaders import load_document

    (tmp_path / "services").mkdir()
    spec = tmp_path / "services" / "talk-time.md"
    spec.write_text(
        "# Talk Time\n\nThis specification takes effect on 1 May 2026.\n\n"
        "For parents and carers of children aged 2 to 4 who live in KX3 to KX5 or KX9.\n\n"
        "There is no consent form: families simply come along.\n\n"
        "## How to refer\n\nYoung people can refer themselves by text.\n\n"
        "Professionals should call the Talk Time line on 01632 960000.\n", encoding="utf-8")
    meta = load_document(spec, 1 << 20).meta.model_dump(mode="json")
    assert meta["effective"] == "2026-05-01"
    assert meta["eligibility"]["child_age"] == {"min_years": 2, "max_years": 4}
    assert meta["eligibility"]["areas"] == ["KX3", "KX4", "KX5", "KX9"]
    assert meta["eligibility"]["consent_required"] is False
    assert meta["referral"]["route"].startswith("Professionals should call")
    assert meta["referral"]["self_referral"] is True


def test_a_levels_of_need_document_filed_under_guidance_is_a_threshold(tmp_path: Path) -> None:
    from waymark.loaders import load_document

    (tmp_path / "guidance").mkdir()
    doc = tmp_path / "guidance" / "levels.md"
    doc.write_text("# Kestrel Continuum of Need\n\nLevel 1 is universal; level 4 is "
                   "statutory.\n", encoding="utf-8")
    assert load_document(doc, 1 << 20).meta.kind == "threshold"
    plain = tmp_path / "guidance" / "consent.md"
    plain.write_text("# Consent and information sharing\n\nAsk first.\n", encoding="utf-8")
    assert load_document(plain, 1 << 20).meta.kind == "guidance"


def test_a_word_draft_as_offices_write_them(tmp_path: Path) -> None:
    """Title in large type on an ordinary paragraph, the version in the footer, a review date
    that is not the effective date, school years, a whole-area service with a venue address,
    and a family's own way in."""
    import docx
    from docx.shared import Pt

    from waymark.loaders import load_document

    document = docx.Document()
    title = document.add_paragraph().add_run("Every Day Counts: School Attendance Support")
    title.bold, title.font.size = True, Pt(20)
    document.sections[0].footer.paragraphs[0].text = "Version 3.0 | Next review: June 2027"
    document.add_heading("About the service", level=1)
    document.add_paragraph("Review date: 1 June 2027. Go-live 06/01/2026.")
    document.add_paragraph("Children from Reception up to the end of Year 6 living anywhere "
                           "in Marlow Fen. Sessions run at The Hub, 2 Quay Street, MF4 7LP.")
    document.add_paragraph("Expectant parents can use the drop-in too.")
    document.add_heading("How to refer", level=1)
    document.add_paragraph("Schools refer through the attendance portal.")
    document.add_paragraph("Families can get in touch directly on 01632 960000.")
    (tmp_path / "services").mkdir()
    path = tmp_path / "services" / "edc.docx"
    document.save(str(path))
    meta = load_document(path, 1 << 20).meta.model_dump(mode="json")
    assert meta["title"] == "Every Day Counts: School Attendance Support"
    assert meta["version"] == "3.0" and meta["effective"] == "2026-01-06"
    assert meta["eligibility"]["child_age"] == {"min_years": 4, "max_years": 11}
    assert meta["eligibility"]["areas"] == [] and meta["eligibility"]["pregnancy"] is None
    # open both ways: the professionals' way first, then the family's own
    assert meta["referral"]["route"] == ("Schools refer through the attendance portal. "
                                         "Families can get in touch directly on 01632 960000.")
    assert meta["referral"]["self_referral"] is True


def test_ages_in_months_and_bounds_from_two_sentences() -> None:
    from waymark.service_criteria import read_eligibility

    babies = read_eligibility(["For parents of babies under 12 months who live in MF1 or MF2."])
    assert babies["child_age"][0] == {"max_years": 1 - 0.01}
    carers = read_eligibility(["We work with young carers aged 8 and over.",
                           "We cannot accept referrals for young people over 16.",
                           "Children under 8 are supported by their family hub."])
    assert carers["child_age"][0] == {"min_years": 8, "max_years": 16}
    assert "parent_age" not in read_eligibility(["Young people one to one, in school."])


def test_a_pdf_control_table_and_a_version_history(tmp_path: Path) -> None:
    """A control table read out as a row of column names over a row of values; a version
    history whose last row is the current version; labels and values read as table rows."""
    from conftest import make_pdf

    from waymark.loaders import load_document

    (tmp_path / "services").mkdir()
    pdf = make_pdf(tmp_path / "services" / "keywork.pdf",
                   [["# Early Support Keyworking", "Version Approved Effective",
                     "1.3 Partnership Board, 12/11/2025 05/01/2026",
                     "Version: 1.1 · Date: May 2024 · Changes: age extended from under 1 to "
                     "under 2",
                     "Eligibility: families of a child under 5 who live in ZZ2."]])
    meta = load_document(pdf, 1 << 20).meta.model_dump(mode="json")
    assert meta["version"] == "1.3" and meta["effective"] == "2026-01-05"
    assert meta["eligibility"]["child_age"] == {"min_years": None, "max_years": 4.99}

    page = tmp_path / "services" / "history.md"
    page.write_text("# Family Time\n\nVersion: 1.0 · Date: September 2022\n\n"
                    "Version: 2.1 · Date: January 2026\n\nEffective · 1 February 2026\n\n"
                    "We support young carers from age 8 up to their 18th birthday.\n\n"
                    "## How to refer\n\nYou can also refer yourself by phone.\n",
                    encoding="utf-8")
    meta = load_document(page, 1 << 20).meta.model_dump(mode="json")
    assert meta["version"] == "2.1" and meta["effective"] == "2026-02-01"
    assert meta["eligibility"]["child_age"] == {"min_years": 8, "max_years": 17.99}
    assert meta["referral"]["self_referral"] is True


def test_who_can_refer_in_everyday_words() -> None:
    from waymark.referral_route import read_referral
    from waymark.service_criteria import read_eligibility

    def self_referral(sentence: str) -> bool | None:
        found = read_referral([(sentence, "", False)]).get("self_referral")
        return None if found is None else bool(found[0])

    assert self_referral("Parents can book a place themselves on the booking line.") is True
    assert self_referral("Anyone can get in touch with us, including you.") is True
    assert self_referral("We are not able to take referrals directly from parents.") is False
    assert self_referral("Referrals come from health visitors.") is None
    either = read_eligibility(["Any family with a child under 18, or who is expecting a baby."])
    assert "pregnancy" not in either
    assert read_eligibility(["Pupils of compulsory school age (5–16)."])["child_age"][0] == {
        "min_years": 5, "max_years": 16}


def test_dates_ages_and_ways_in_written_other_ways(tmp_path: Path) -> None:
    """Dates as 01.04.26 and "w.e.f.", a label above its value, a superseded version's date, a
    page's details as a description list, ages in months and by an ordinal birthday, Year R,
    referrals "by schools only", and the sentence that says how to refer."""
    from waymark.loaders import load_document

    (tmp_path / "services").mkdir()
    spec = tmp_path / "services" / "pairs.md"
    spec.write_text(
        "# Parent and Infant Support\n\nSupersedes: Version 2.0 (date of implementation "
        "01.06.24)\n\nDate of implementation: 01.04.26\n\nEligibility: babies from birth until "
        "the baby's second birthday.\n\n## How to refer\n\nReferrals are made by GPs only.\n\n"
        "Use the referral form on the portal.\n", encoding="utf-8")
    meta = load_document(spec, 1 << 20).meta.model_dump(mode="json")
    assert meta["effective"] == "2026-04-01"
    assert meta["eligibility"]["child_age"] == {"min_years": 0, "max_years": 1.99}
    assert meta["referral"]["self_referral"] is False
    assert meta["referral"]["route"] == "Use the referral form on the portal."

    groups = tmp_path / "services" / "groups.md"
    groups.write_text("# Little Groups\n\nDate effective\n\nApril 2026\n\nFor children from "
                      "6 months to 3 years, and pupils from Year R to Year 6.\n", encoding="utf-8")
    meta = load_document(groups, 1 << 20).meta.model_dump(mode="json")
    assert meta["effective"] == "2026-04-01"
    assert meta["eligibility"]["child_age"] == {"min_years": 0.5, "max_years": 3}

    (tmp_path / "guidance").mkdir()
    page = tmp_path / "guidance" / "fathers.html"
    page.write_text(
        "<html><body><nav class='menu'>Home</nav><main><h1>Working with fathers</h1>"
        "<dl class='doc-meta'><dt>Version</dt><dd>1.0</dd><dt>Applies from</dt>"
        "<dd>3 November 2025</dd></dl><p>Fathers are often unseen by the services working "
        "with a family, and this guidance sets out what every practitioner should do to see "
        "them, speak to them and involve them in the plan.</p></main>"
        "<footer class='footer'>Contact us</footer></body></html>", encoding="utf-8")
    meta = load_document(page, 1 << 20).meta.model_dump(mode="json")
    assert meta["version"] == "1.0" and meta["effective"] == "2025-11-03"


def test_ages_areas_consent_and_referral_as_more_councils_write_them() -> None:
    """"13+", "0-5s", "8 to 17 year olds", "0-19 (25 with SEND)" at its widest, "parents of
    under 5s", weeks of pregnancy that are no age; venues and "any household in ..." that are no
    area limit; consent waived, required through a double negative, or answered in an FAQ;
    families who cannot refer; a route with a number before one with only a verb."""
    from waymark.referral_route import read_referral
    from waymark.service_criteria import read_eligibility

    def age(*sentences: str) -> dict[str, float] | None:
        found = read_eligibility(list(sentences)).get("child_age")
        return None if found is None else found[0]

    assert age("Open to young people 13+ from anywhere in the borough.",
               "Our clubs are for under-18s.") == {"min_years": 13, "max_years": 17.99}
    assert age("Portage works with 0-5s who have significant delay.") == {
        "min_years": 0, "max_years": 5}
    assert age("Groups are planned for 8 to 17 year olds.") == {"min_years": 8, "max_years": 17}
    assert age("We work with children and young people 0-19 (25 with SEND).") == {
        "min_years": 0, "max_years": 25}
    assert age("Drop-ins are for parents and carers of under 5s.") == {"max_years": 4.99}
    assert age("From 20 weeks of pregnancy until the child turns two.") == {"max_years": 1.99}
    assert age("Support continues until the baby is 8 weeks old.") is None

    def areas(sentence: str) -> list[str] | None:
        found = read_eligibility([sentence]).get("areas")
        return None if found is None else found[0]

    assert areas("Family hub: Millbeck Family Hub, ZZ2 · Day: Tuesday · Time: 10am") is None
    assert areas("Courses run at Hensby Hub (ZZ5) and Norgate Hub (ZZ9), but they are open to "
                 "any parent or carer living in Ravensholt.") == []
    assert areas("The service covers all postcode districts (ZZ1–ZZ8).") == []
    assert areas("Our North Locality covers Hensby (ZZ5) and Ashby (ZZ6), and groups meet at "
                 "Hensby Family Hub.") == ["ZZ5", "ZZ6"]

    def consent(*sentences: str) -> bool | None:
        found = read_eligibility(list(sentences)).get("consent_required")
        return None if found is None else found[0]

    assert consent("Bring your tenancy agreement if you rent.") is None
    assert consent("There is no referral and no consent form: families simply come along.") \
        is False
    assert consent("The team will not accept a request where the family has not given "
                   "informed consent.") is True
    assert consent("Do I need my parents' permission?",
                   "No – you don't need permission from a parent to come.") is False

    def referral(*sentences: str, heading: str = "") -> dict[str, object]:
        return {k: v for k, (v, _) in read_referral(
            [(s, heading, False) for s in sentences]).items()}

    assert referral("Parents cannot refer directly to Chatterbox.")["self_referral"] is False
    assert referral("Children's Health SPA (professionals only).")["self_referral"] is False
    assert referral("The Front Door does not take requests from families directly.")[
        "self_referral"] is False
    assert referral("Parents and carers can refer themselves online.")["self_referral"] is True
    route = referral("You don't need a referral – professionals can also call for a family.",
                     "Call the advice line on 01632 960 872.", heading="How to get help")["route"]
    assert str(route).startswith("Call the advice line on 01632 960 872.")


def test_effective_dates_written_other_ways(tmp_path: Path) -> None:
    """"comes into effect" after the clause about the version it replaces, "Eff." and "Rev."
    control-table columns, "in place from Sept 2025"; an approval date is not when it applies."""
    from conftest import make_pdf

    from waymark.loaders import load_document

    (tmp_path / "services").mkdir()
    pdf = make_pdf(tmp_path / "services" / "pathway.pdf",
                   [["# Attendance Support Pathway", "Rev. Eff. Owner Next review",
                     "4 01/09/2025 Inclusion Service 31/07/2026",
                     "For pupils in Year 7 to Year 11 who live in ZZ1 to ZZ4."]])
    meta = load_document(pdf, 1 << 20).meta.model_dump(mode="json")
    assert meta["version"] == "4" and meta["effective"] == "2025-09-01"

    (tmp_path / "guidance").mkdir()
    for text, effective in [
            ("This version replaces Version 2 (2021) and comes into effect on 1 April 2024.",
             "2024-04-01"),
            ("This description is in place from Sept 2025.", "2025-09-01"),
            ("Approved by the Partnership Board on 14 March 2026.", None)]:
        page = tmp_path / "guidance" / "oversight.md"
        page.write_text(f"# Management oversight\n\n{text}\n", encoding="utf-8")
        assert load_document(page, 1 << 20).meta.model_dump(mode="json")["effective"] \
            == effective, text


def test_school_stages_table_rows_and_contract_dates(tmp_path: Path) -> None:
    """Key Stage 2, "Years 7 to 11", "secondary-age", "from birth to school entry", an "Age
    range" table row; "w/e/f" and a contract's start date, not its end date or "week
    commencing"; a page's h1 as its title; families who cannot book; "referral only"."""
    from waymark.loaders import load_document
    from waymark.referral_route import read_referral
    from waymark.service_criteria import read_eligibility

    def age(sentence: str) -> dict[str, float] | None:
        found = read_eligibility([sentence]).get("child_age")
        return None if found is None else found[0]

    assert age("Groups for pupils in Key Stage 2.") == {"min_years": 7, "max_years": 11}
    assert age("Talk Space is for young people in Years 7 to 11.") == {
        "min_years": 11, "max_years": 16}
    assert age("A drop-in for secondary-age young people.") == {"min_years": 11, "max_years": 16}
    assert age("Families with a child from birth to school entry.") == {
        "min_years": 0, "max_years": 4}
    assert age("Criterion Detail\nAge range · 6–30 months\nArea Coast locality") == {
        "min_years": 0.5, "max_years": 2.5}
    refer = read_referral([("Parents cannot book into Little Sleepers directly; the clinic is "
                            "by health visitor referral only.", "", False)])
    assert refer["self_referral"][0] is False

    (tmp_path / "services").mkdir()
    for text, effective in [
            ("Document version: 4 Replaces version 3 (2024)\n\nw/e/f 06/01/2026", "2026-01-06"),
            ("Start date of contract 01/04/26\n\nContract end date 31/03/28", "2026-04-01"),
            ("Summer groups start in the week commencing 20 April 2026.", None)]:
        spec = tmp_path / "services" / "spec.md"
        spec.write_text(f"# A service\n\n{text}\n", encoding="utf-8")
        assert load_document(spec, 1 << 20).meta.model_dump(mode="json")["effective"] \
            == effective, text

    page = tmp_path / "services" / "groups.html"
    page.write_text(
        "<html><head><title>Groups | Council</title></head><body><nav class='menu'>Home</nav>"
        "<div class='hero'><h1 class='entry-title'>Worry Busters groups &ndash; KS2</h1></div>"
        "<main><h2>What is Worry Busters?</h2><p>Worry Busters is a six-week group for pupils "
        "who worry a lot, run in school by the mental health support team, for children in "
        "Key Stage 2 whose school has signed up to the programme this year.</p></main>"
        "<footer class='footer'>Contact us</footer></body></html>", encoding="utf-8")
    assert load_document(page, 1 << 20).meta.title == "Worry Busters groups \u2013 KS2"


def test_titles_versions_areas_and_routes_of_an_eighth_author(tmp_path: Path) -> None:
    """A Title-styled paragraph over an organisation's name set large; "v3" alone in a footer;
    "Start date: Monday 8 September 2025" and "Service start date (this version) 05/01/2026";
    "This specification runs from"; "any of the nine ... postcode districts"; a locality
    "as defined in Appendix A"; "From 1 April" as a date, not an age; a labelled route; the
    way in before a fallback, a second way and what happens afterwards."""
    import docx
    from docx.shared import Pt

    from waymark.loaders import load_document
    from waymark.referral_route import read_referral
    from waymark.service_criteria import read_eligibility

    (tmp_path / "services").mkdir()
    document = docx.Document()
    document.add_paragraph().add_run("Harbour Families").font.size = Pt(20)
    document.add_paragraph("Family Mentoring", style="Title")
    document.add_paragraph("Start date: Monday 8 September 2025 (autumn term)")
    document.add_paragraph("We mentor parents of primary school children.")
    document.sections[0].footer.paragraphs[0].text = "Harbour Families | mentoring | v3"
    path = tmp_path / "services" / "mentoring_v1.docx"
    document.save(str(path))
    meta = load_document(path, 1 << 20).meta.model_dump(mode="json")
    assert (meta["title"], meta["version"], meta["effective"]) == (
        "Family Mentoring", "3", "2025-09-08")

    for text, effective in [("Service start date (this version) 05/01/2026", "2026-01-05"),
                            ("This specification runs from 1st April 2026 to 31st March 2029.",
                             "2026-04-01"),
                            ("The course runs from 14 April 2026 for ten weeks.", None)]:
        spec = tmp_path / "services" / "spec.md"
        spec.write_text(f"# A service\n\n{text}\n", encoding="utf-8")
        assert load_document(spec, 1 << 20).meta.model_dump(mode="json")["effective"] \
            == effective, text

    def eligibility(*sentences: str) -> dict[str, object]:
        return {k: v for k, (v, _) in read_eligibility(list(sentences)).items()}

    assert eligibility("Open to young women who live in any of the nine Kinby postcode "
                       "districts (ZZ1 to ZZ9).")["areas"] == []
    assert eligibility("The service is for families who live in the Coast Locality, as "
                       "defined in Appendix A.", "Support lasts six months.",
                       "Appendix A: Coast Locality", "ZZ7 Skelby", "ZZ8 Wray",
                       "Contact the team.")["areas"] == ["ZZ7", "ZZ8"]
    assert eligibility("From 1 April 2026 the clinic moves. It is for babies aged 9 to 24 "
                       "months.")["child_age"] == {"min_years": 0.75, "max_years": 2}
    assert "child_age" not in eligibility(
        "Where she is under 16, follow the Kinby Children's Safeguarding Partnership procedures.")

    def referral(*sentences: str, heading: str = "How to book") -> dict[str, object]:
        return {k: v for k, (v, _) in read_referral(
            [(s, heading, False) for s in sentences]).items()}

    assert referral("Who it is for · pupils in Years 7 to 9\nHow to ask: Through the school's "
                    "safeguarding lead", heading="At a glance")["route"] \
        == "Through the school's safeguarding lead"
    assert str(referral("A worker will get back to you within two working days of a call.",
                        "If you still can't find it, email clubs@kinby.example.",
                        "You can also text a nurse on 07700 900314.",
                        "Call the access line on 0115 496 0290 to book.")["route"]) \
        .startswith("Call the access line")
    assert str(referral("Drop in - you do not need to book or be referred.",
                        "If you would like to check a session is running, call 01632 960123.")[
        "route"]).startswith("Drop in")
    assert referral("Parents and carers are welcome to contact the Portage team themselves "
                    "by phone.")["self_referral"] is True
    assert referral("Families: parents and carers can ask for help themselves.")[
        "self_referral"] is True
    assert referral("Book your place using the online form.", heading="How do I join?")[
        "route"] == "Book your place using the online form."


def test_a_draft_listing_every_district_the_area_names_has_no_area_limit(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    """One file cannot say whether "Kinby (ZZ1 to ZZ6)" is the whole area, nor what remains of
    "anywhere in Kinby except ZZ5 and ZZ6"; the knowledge base can, from the districts its other
    services name. A list short of them stays."""
    services = kb / "services"
    services.mkdir()
    for name, where in [("north", "ZZ1, ZZ2 and ZZ3"), ("south", "ZZ4, ZZ5 and ZZ6"),
                        ("coast", "ZZ5 and ZZ6"), ("everyone", "Kinby (ZZ1 to ZZ6)"),
                        ("inland", "anywhere in Kinby except the Coast locality (ZZ5 and ZZ6)")]:
        (services / f"{name}.md").write_text(
            f"# {name.title()} Family Support\n\nFor families with children aged 0 to 11 who "
            f"live in {where}.\n\n## How to refer\n\nUse the online form on the portal.\n",
            encoding="utf-8")
    write_doc(kb, "confirmed.md", "zz-all", "# All of Kinby\n\nA confirmed service.\n",
              kind="service", extra="eligibility:\n  areas: [ZZ1, ZZ2, ZZ3, ZZ4, ZZ5, ZZ6]\n")
    ingest([kb], settings, embeddings=embeddings)
    documents = open_store(settings).snapshot().documents
    areas = {doc_id: doc.meta.eligibility.areas  # type: ignore[attr-defined]
             for doc_id, doc in documents.items()}
    assert areas["everyone"] == []
    assert "the whole area" in documents["everyone"].meta.proposed_from["eligibility.areas"]
    assert areas["inland"] == ["ZZ1", "ZZ2", "ZZ3", "ZZ4"]
    assert areas["north"] == ["ZZ1", "ZZ2", "ZZ3"] and areas["coast"] == ["ZZ5", "ZZ6"]
    assert areas["zz-all"] == ["ZZ1", "ZZ2", "ZZ3", "ZZ4", "ZZ5", "ZZ6"]  # the owner's stands


def test_a_ninth_authors_wordings() -> None:
    """"Rev B" and "Current from"; consent "is not needed" and "has agreed to it"; "Years 1–6",
    "from pre-birth to their 18th birthday", "babies up to 6 months old"; the sentence saying
    whom the service is for before a definition or a statistic; "Document reference" is no
    referral heading and "referrals@…" no referrer; "Text a school nurse on …" as the route;
    "You can apply … yourself"."""
    from waymark.drafting import _dated
    from waymark.referral_route import read_referral
    from waymark.service_criteria import read_eligibility

    assert _dated(["Chatterbox · Rev A · 2024", "Chatterbox · Rev B · 2025"], [])["version"][0] \
        == "B"
    assert _dated(["Current from 15/01/2026."], [])["effective"][0] == "2026-01-15"

    def eligibility(*sentences: str) -> dict[str, object]:
        return {k: v for k, (v, _) in read_eligibility(list(sentences)).items()}

    assert eligibility("Parental consent is not needed for a referral.")[
        "consent_required"] is False
    assert eligibility("We won't accept a referral unless the young person knows about it and "
                       "has agreed to it.")["consent_required"] is True
    assert eligibility("It helps children in Years 1–6 with worries.")["child_age"] == {
        "min_years": 5, "max_years": 11}
    assert eligibility("The team works with families who have a child from pre-birth to their "
                       "18th birthday.", "Young people aged 16 and over give their own "
                       "consent.")["child_age"] == {"min_years": 0, "max_years": 17.99}
    assert eligibility("We support mothers of babies up to 6 months old.")["child_age"] == {
        "max_years": 0.5}
    assert eligibility("A young carer is a person under 18 who provides care for another.",
                       "The Census recorded 600 young carers aged 5 to 17 in the borough.",
                       "The service is for children aged 8 to 17 who live in Kinby.")[
        "child_age"] == {"min_years": 8, "max_years": 17}

    def referral(*placed: tuple[str, str]) -> dict[str, object]:
        return {k: v for k, (v, _) in read_referral([(t, h, False) for t, h in placed]).items()}

    assert "route" not in referral(("Version 1.4 approved 18/09/2025, contract to 31/03/2028",
                                    "Document reference ODT-CYP-04"))
    route = referral(("Call us on 0117 496 0582 or email referrals@lanterns.example.", "Contact"),
                     ("Professionals can send our referral form to the same address.",
                      "Contact"))["route"]
    assert str(route).startswith("Call us") and "Professionals can send" in str(route)
    assert referral(("Text a school nurse on 07700 900 611.", "How it works"))["route"] \
        == "Text a school nurse on 07700 900 611."
    assert referral(("You can apply for local short breaks yourself.", ""))[
        "self_referral"] is True
