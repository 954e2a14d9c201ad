"""Reading what practitioners write: people and ages, needs and immediate risk by meaning, on a
stranger's thin taxonomy, through the real case routes and the shipped heads."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import CountingEmbeddings, write_doc

from waymark.answer import Answerer
from waymark.cases import Cases
from waymark.config import Settings
from waymark.evals.notes_eval import split
from waymark.evals.train_readers import fit_heads
from waymark.ingest.pipeline import ingest
from waymark.reading.heads import load_heads, save_heads, shipped_heads
from waymark.reading.people import read_people
from waymark.reading.person import Person
from waymark.store import open_store

TODAY = dt.date(2026, 12, 1)


def _ages(people: list[Person], child: bool) -> list[float | None]:
    return [p.age_years for p in people if bool(p.is_child) == child]


@pytest.mark.parametrize(("note", "children", "adults"), [
    ("Leah is 6 and Jayden is 3. Mum Shannon (23) is struggling since dad left.",
     [6, 3], [23, None]),
    ("three children: Ruby 12, Finn 8 and Isla, who is 18 months", [12, 8, 1.5], []),
    ("Noah, who turned 5 last month, has no words yet. Parents both 30.", [5], [30, 30]),
    ("Shannon is 17 and 30 weeks pregnant with her first baby", [], [17]),
    ("mum 34 dad 36, kids 4 & 7, lives NB3 2PL, happy for referral", [4, 7], [34, 36]),
    ("Neighbour rang: toddler was left home alone all night. He is 2.", [2], []),
    ("twins aged 3, DOB of the baby 14/09/2026", [3, 3, 0.21], []),
    ("Kacper DOB 22/07/2021 lives with his nan, 67.", [5], [67]),
    ("Twins Ava and Isla, 18 months, and their brother Jack (7).", [1.5, 1.5, 7], []),
    ("Leah and Jayden are 6 and 3; Stepdad Lee, 31.", [6, 3], [31]),
    ("quick one fam w/ 3 kids 4 7 and 11, mum whos 19", [4, 7, 11], [19]),
    ("hi can i refer my 2, theyre 6 and 9", [6, 9], []),
    ("Grade 1 missing. Skye Hamilton, 13, last seen at 16:00.", [13], []),
    ("Twins Oscar and Freddie (9/12) reviewed. Baby Ruby-Jean 6/52.", [0.75, 0.75, 0.12], []),
    ("Kian Harris, aged 3. Mother Leanne Harris (27) located at home.", [3], [27]),
    ("mum + dad both 30, Amelia is 27 months", [2], [30, 30]),
    ('Mum says "I had him at 16, I\'m 22 now". Her son Riley is 4.', [4], [22]),
    ("hv here re mum shannon (23), baby 3 mnths", [0.25], [23]),
    ("kids 4 & 7. can she get help w/ nursery for the 4yo", [4, 7], []),
    ("Mum-to-be Grace, 16, 28 weeks; her brother Faisal, 26, lives with them.", [], [16, 26]),
    ("his father died when Kamal was 2; Kamal was born January 2017", [9], [None]),
    # a year group and an age of one child, either way round
    ("Tommy (Year 4, 8) and Lacey (Year 1, 5): attendance 88% and 86%.", [8, 5], []),
    ("Tyler (14, Year 9) is in 41% of sessions.", [14], []),
    ("yr 9 lad (14) in AG3, gaming all night", [14], []),
    ("TAF for a yr 7 (11) who runs the house; his brother (5)", [11, 5], []),
    ("off school for a year 2 weeks after the move, Mia (8)", [8], []),
    ("Year 2 teacher is worried about Ruby, aged 6.", [6], []),
    ("Zain is 3 years 4 months; twins 2y 1m next door", [3, 2], []),
    ("6 and 9 yo, mum 29", [6, 9], [29]),
    ("Kai, he's two and a half.", [2], []),
    ("Baby girl 3.4 kg, mum (29)", [None], [29]),
    # not ages: a wait, a measure, the end of a range, a pregnancy
    ("SALT waitlist is 9 months, 3yo boy. BMI is now 16.2.", [3], []),
    ("HV 6-8 week contact. Baby 7 weeks old.", [0.13], []),
    ("his partner (26), who is 30 weeks along with their baby; her daughter (4)", [4], [26]),
    ("Mum and 2 kids (6, 9), her student visa has run out", [6, 9], [None]),
])
def test_people_and_their_ages(note: str, children: list[float], adults: list[float]) -> None:
    people = read_people(note, TODAY)
    assert _ages(people, True) == children
    assert _ages(people, False) == adults


def test_names_roles_and_the_words_they_came_from() -> None:
    people = read_people("Leah is 6 and Jayden is 3. Mum Shannon (23) is struggling.", TODAY)
    leah, jayden, mum = people
    assert (leah.name, leah.is_child, leah.words) == ("Leah", True, ["Leah is 6"])
    assert jayden.name == "Jayden"
    assert (mum.role, mum.name, mum.is_parent, mum.age_years) == ("mother", "Shannon", True, 23)


def test_never_guesses_an_age() -> None:
    people = read_people("Pupil: Kieran, Year 4. Lives with nan and his mum's partner.", TODAY)
    kieran = next(p for p in people if p.name == "Kieran")
    assert kieran.is_child and kieran.age_years is None and kieran.school_year == 4
    numbers = read_people("Dad has been drinking for 6 years; mum is 30 weeks pregnant; "
                          "attendance 84%; flat 12; £40 a week.", TODAY)
    assert all(p.age_years is None for p in numbers)


STRANGER_TAXONOMY = """terms:
  - {id: kid-unsupervised, label: Young child without an adult, phrases: [left unsupervised]}
  - {id: hurt-told, label: Child says an adult hurt them, phrases: [child reports assault]}
  - {id: cash-trouble, label: Money trouble, phrases: [arrears, debt]}
  - {id: school-missed, label: Poor school attendance, phrases: [truancy, absence]}
  - {id: mum-young, label: Parent aged under 20, phrases: [teen mum, young dad]}
"""


@pytest.fixture
def stranger(tmp_path: Path, settings: Settings, embeddings: CountingEmbeddings) -> Cases:
    """Another area's knowledge base: its own ids, a thin taxonomy, no mapping declared."""
    kb = tmp_path / "kb"
    kb.mkdir(exist_ok=True)
    (kb / "taxonomy.yaml").write_text(STRANGER_TAXONOMY)
    write_doc(kb, "threshold.md", "xx-continuum", """
        # Continuum of need
        ## Universal plus
        Attendance and money worries are met by a single agency.
        ## Act today
        Ring the Gateway on 01632 960111 at once; if a child is in danger now, call 999.
        """, kind="threshold", extra="""
        levels: [{level: 1, name: Universal}, {level: 2, name: Universal plus},
                 {level: 3, name: Complex}, {level: 4, name: Acute}]
        indicators:
          - {need: school-missed, level: 2, section: Universal plus}
          - {need: cash-trouble, level: 2, section: Universal plus}
          - {need: kid-unsupervised, level: 4, immediate_risk: true, section: Act today}
          - {need: hurt-told, level: 4, immediate_risk: true, section: Act today}
        """)
    ingest([kb], settings, embeddings=embeddings)
    return Cases(open_store(settings))


needs_heads = pytest.mark.skipif(shipped_heads() is None, reason="run `waymark train` first")


@needs_heads
def test_risk_in_ordinary_words_escalates_on_a_strangers_taxonomy(
        stranger: Cases, embeddings: CountingEmbeddings) -> None:
    text = "The 3 year old was found by herself in the flat at 11pm, nobody else there."
    threshold = stranger.threshold(text=text)
    assert threshold["escalation"] is not None
    assert threshold["escalation"]["citation"]["doc_id"] == "xx-continuum"
    assert threshold["escalation"]["read_from"][0]["source"] == "meaning"
    answer = Answerer(stranger.store, embeddings).ask(text)
    assert answer["escalation"] is not None


@needs_heads
def test_needs_in_ordinary_words_map_onto_the_areas_terms(stranger: Cases) -> None:
    result = stranger.threshold(text="Mum is 26 with two kids of 4 and 9. The landlord says "
                                     "she owes three months' rent and the electric meter is "
                                     "on emergency credit.")
    assert "cash-trouble" in result["family"]["needs"]
    assert result["level"] == 2
    evidence = [e for e in result["family"]["extracted_from_text"] if e["fact"] == "need"]
    assert evidence[0]["source"] == "meaning" and evidence[0]["text"]
    assert "Children: child 4, child 9" in result["family"]["summary"]


@needs_heads
def test_a_parent_in_their_teens_is_the_areas_young_parent_whatever_the_words(
        stranger: Cases) -> None:
    young = stranger.threshold(text="Mum is 17, baby 4 months, lives in XX1.")
    assert "mum-young" in young["family"]["needs"]
    evidence = [e for e in young["family"]["extracted_from_text"] if e["value"] == "mum-young"]
    assert evidence[0]["source"] == "facts" and "17" in evidence[0]["text"]
    older = stranger.threshold(text="Mum is 24, baby 4 months, lives in XX1.")
    assert "mum-young" not in older["family"]["needs"]


def test_a_risks_name_in_a_training_question_describes_no_one(stranger: Cases) -> None:
    question = stranger.threshold(text="Is there any training on children left unsupervised? "
                                       "It is for our INSET day.")
    assert question["escalation"] is None
    note = stranger.threshold(text="She was left unsupervised all night; she is 4.")
    assert note["escalation"] is not None


@needs_heads
def test_a_policy_question_is_not_an_emergency(stranger: Cases,
                                               embeddings: CountingEmbeddings) -> None:
    answer = Answerer(stranger.store, embeddings).ask(
        "what is the threshold for a referral about school attendance?")
    assert answer["escalation"] is None


def test_heads_round_trip_and_record_their_provenance(tmp_path: Path) -> None:
    corpus = tmp_path / "training"
    corpus.mkdir()
    risky = ["my dad punched me and I am scared to go home", "the baby has a bruise on her "
             "cheek and she cannot crawl yet", "the four year old was left on his own all night"]
    calm = ["we talked about the bedtime routine", "the school trip went well today",
            "mum asked about the toddler group on fridays"]
    lines = [{"text": t, "label": "disclosure" if i == 0 else "injury" if i == 1 else "alone"}
             for i, t in enumerate(risky)] + [{"text": t, "label": "calm"} for t in calm]
    lines += [{"text": "rent arrears and bailiffs at the door", "labels": ["money"]},
              {"text": "cannot pay the gas bill", "labels": ["money"]},
              {"text": "he missed school all week", "labels": ["school"]},
              {"text": "attendance is down to 80 percent", "labels": ["school"]},
              # a needs-only text teaches the needs head alone: never calm for the risk head
              {"text": "older men pick her up from school", "labels": ["school"],
               "teaches": "needs"}]
    (corpus / "a.jsonl").write_text("\n".join(json.dumps(x) for x in lines))
    heads = fit_heads(corpus)
    assert heads.provenance["risk_counts"]["calm"] == len(calm) + 4
    assert heads.provenance["risk_fit"]["needs_only_texts"] == 1
    assert heads.provenance["needs_counts"]["school"] == 3
    save_heads(heads, tmp_path / "r.npz", tmp_path / "r.json")
    loaded = load_heads(tmp_path / "r.npz", tmp_path / "r.json")
    assert loaded is not None and loaded.needs.labels == ["money", "school"]
    assert loaded.provenance["corpus"][0].startswith("a.jsonl:")
    vector = np.ones((1, 384)) / np.sqrt(384)
    x = loaded.needs_features(vector, ["rent arrears"])
    assert np.allclose(loaded.needs.probabilities(x), heads.needs.probabilities(
        heads.needs_features(vector, ["rent arrears"])), atol=2e-3)


def test_a_bad_training_line_says_where() -> None:
    from waymark.evals.train_readers import load_corpus

    folder = Path(__file__).parent / "data" / "bad_training"
    with pytest.raises(ValueError, match=r"bad\.jsonl:2: each line needs a 'text'"):
        load_corpus(folder)


def test_the_split_is_fixed_and_stratified() -> None:
    items = [{"id": f"n{i:03d}", "escalate": i % 5 == 0} for i in range(100)]
    dev, test = split(items, "escalate")
    again, _ = split(list(reversed(items)), "escalate")
    assert [i["id"] for i in dev] == [i["id"] for i in again]
    assert len(test) >= 40 and sum(i["escalate"] for i in test) == 10


def test_a_note_wrapped_at_its_width_is_read_in_whole_sentences() -> None:
    """A note pasted from an email breaks its lines mid-sentence; a form keeps its label lines
    and a list its items. Units keep their places in the text either way."""
    from waymark.reading.units import split_units

    wrapped = ("Aunt says she has had the boys since their mum went into rehab in June. Tyler's "
               "10 and\nMikey turned 6 last week, and she is not their legal guardian so school "
               "won't let her sign\nanything.")
    units = split_units(wrapped)
    assert [u.text for u in units][1].startswith("Tyler's 10 and Mikey turned 6")
    assert units[1].text.endswith("sign anything")
    assert all(" ".join(wrapped[u.start:u.end].split()) == u.text for u in units)
    form = ("Name: Leah Smith\nDOB: 22/07/2021\nConcerns: mum has been drinking heavily since "
            "dad left in the\nsummer and the children are often late.\n- dad left\n- mum drinking")
    assert [u.text for u in split_units(form)] == [
        "Name: Leah Smith", "DOB: 22/07/2021",
        "Concerns: mum has been drinking heavily since dad left in the summer and the children "
        "are often late", "- dad left", "- mum drinking"]


@needs_heads
def test_a_thin_term_covers_the_needs_no_other_term_is_for() -> None:
    from waymark.models import Taxonomy
    from waymark.reading.meaning import MeaningReader

    taxonomy = Taxonomy.model_validate({"terms": [
        {"id": "money", "label": "Money and housing worries",
         "phrases": ["debt", "rent arrears", "eviction notice"]},
        {"id": "school", "label": "Poor school attendance", "phrases": ["truancy"]}]})
    reader = MeaningReader(shipped_heads(), taxonomy, set())  # type: ignore[arg-type]
    covered = {category for category, rows in reader.needs_map.items()
               if [reader.term_ids[r] for r in rows] == ["money"]}
    assert {"financial_hardship", "insecure_housing"} <= covered
    assert not any("school" in [reader.term_ids[r] for r in rows]
                   for c, rows in reader.needs_map.items() if c.startswith("financial"))
