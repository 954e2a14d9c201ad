"""Sentence splitting with exact spans, and phrase finding with negation and tense."""

from __future__ import annotations

import pytest

from waymark.models import Taxonomy
from waymark.phrases import PhraseIndex
from waymark.sentences import clean, split_sentences


def test_sentences_keep_exact_spans_and_skip_wrapping() -> None:
    text = ("4. How to refer\nHealth visitors refer using the form, with the WellComm\n"
            "result attached. Parents can ask at a hub, e.g. Hub North. Done!\n"
            "- talk to the family, and\n- obtain consent.\n## Next\nPara line\ncontinues.")
    sentences = split_sentences(text, offset=100)
    assert [s.text for s in sentences] == [
        "How to refer",
        "Health visitors refer using the form, with the WellComm\nresult attached.",
        "Parents can ask at a hub, e.g. Hub North.", "Done!",
        "talk to the family, and", "obtain consent.", "## Next", "Para line\ncontinues.",
    ]
    assert [s.is_heading for s in sentences] == [True, False, False, False, False, False, True,
                                                 False]
    for sentence in sentences:
        assert text[sentence.start - 100:sentence.end - 100] == sentence.text


def test_clean_removes_markdown() -> None:
    assert clean("- **Do not wait** for `consent`, see [the guide](https://x.example)") == \
        "Do not wait for consent, see the guide (https://x.example)"


TAXONOMY = Taxonomy.model_validate({"terms": [
    {"id": "persistent-absence", "label": "Persistent absence",
     "phrases": ["missing school", "attendance below 90"]},
    {"id": "parental-substance-misuse", "label": "Parental substance misuse",
     "phrases": ["drinks heavily", "drink", "drug use"]},
    {"id": "unexplained-injury", "label": "Unexplained injury", "phrases": ["bruise"]},
]})


@pytest.mark.parametrize("text, expected", [
    ("He keeps missing school.", {("persistent-absence", "present")}),
    ("No concerns about missing school now.", {("persistent-absence", "negated")}),
    ("Attendance below 90% is not a concern any more", {("persistent-absence", "negated")}),
    ("Dad used to drink, sober two years", {("parental-substance-misuse", "past")}),
    ("Mum drinks heavily most nights", {("parental-substance-misuse", "present")}),
    ("Bruises on his arms he couldn't explain", {("unexplained-injury", "present")}),
    ("no marks or bruises seen", {("unexplained-injury", "negated")}),
    ("Missing school a lot but dad doesn't drink",
     {("persistent-absence", "present"), ("parental-substance-misuse", "negated")}),
    ("Mum\u2019s drug use", {("parental-substance-misuse", "present")}),
])
def test_phrases_with_negation_and_tense(text: str, expected: set[tuple[str, str]]) -> None:
    found = {(m.term_id, m.status) for m in PhraseIndex(TAXONOMY).find(text)}
    assert found == expected


def test_match_spans_point_into_the_text() -> None:
    text = "Mum says he is missing school. Dad drinks heavily."
    spans = [text[m.start:m.end] for m in PhraseIndex(TAXONOMY).find(text)]
    assert spans == ["missing school", "drinks heavily"]


def test_contractions_typed_without_the_apostrophe_carry_no_topic() -> None:
    """"mum doesnt want help, hes 4" asks nothing about "doesnt" or "hes": no document uses
    them, and a word no document uses is evidence the guidance cannot answer."""
    from waymark.terms import content_terms
    from waymark.vocabulary import Vocabulary

    asked = "mum doesnt want help and hes 4, im not sure theyre eligible - cant they refer?"
    assert content_terms(asked) == ["mum", "help", "4", "sure", "eligible", "refer"]
    vocabulary = Vocabulary({"mum", "help", "sure", "eligible", "refer"})
    assert vocabulary.unknown(asked) == []
    # without the apostrophe, "we'll", "i'll" and "i'd" are other words, which stay
    assert "well" in content_terms("is she well") and "ill" in content_terms("dad is ill")


@pytest.mark.parametrize(("text", "names"), [
    ("jayden is 7 (AG2), mum says hes kicking off every night", {"jayden"}),
    ("mum (aisling) AG7 says her ex keeps turning up", {"aisling"}),
    ("DSL here - kofi yr9 AG4 attendance 46% this term", {"kofi"}),
    ("rowing in front of ruby (6) and alfie (3), AG2.", {"ruby", "alfie"}),
    ("referred the Mensahs (AG5, twins 4) to calmer together", {"mensah"}),
    ("Kerry told me yesterday her partner strangled her", {"kerry"}),
    ("landlord served notice on the Doyle family AG5, 3 kids", {"doyle"}),
    ("dad Tomasz drinking heavy since he lost his job", {"tomasz"}),
    # what people do is no name, nor is a count or a time
    ("dad drinking 3 cans a day, partner strangled her", set()),
    ("sanctioned 3 times, attendance 46% this term, session at 10:30", set()),
])
def test_the_words_naming_people_in_a_question(text: str, names: set[str]) -> None:
    from waymark.case_names import case_names

    documents_use = {"mum", "says", "kicking", "dad", "drinking", "kids", "family", "told",
                     "attendance", "referred", "calmer", "together", "twin", "landlord",
                     "served", "notice", "partner"}
    assert case_names(text, lambda word: word not in documents_use) == names
