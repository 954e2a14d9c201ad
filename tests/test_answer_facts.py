"""Answers that lead with the fact asked for, come from the document the question names, keep
a list with its lead-in, and refuse when the guidance never states the time or number asked."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from conftest import CountingEmbeddings, write_doc

from waymark import programmes
from waymark.answer import Answerer
from waymark.config import Settings
from waymark.document_names import names_of
from waymark.facts_asked import asked
from waymark.ingest.pipeline import ingest
from waymark.question import read_question
from waymark.scoring import Scorer
from waymark.store import open_store


@pytest.fixture
def answerer(kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> Answerer:
    write_doc(kb, "guide.md", "x-guide", """
        # Early help practice guide

        ## Getting advice

        The early help consultation line is open Monday to Friday, 9am to 5pm, for any
        practitioner who wants to talk through a family or a referral.

        ## Working with families

        Workers in the hubs meet families at home or in the hub. Each hub has a duty worker who
        can talk through a referral.
        """, title="Early help practice guide")
    write_doc(kb, "chatter.md", "x-chatter", """
        # Chatterbox Language Service

        ## What the service offers

        Chatterbox helps toddlers whose talking is behind what is expected for their age. Each
        family gets a home visit and a group in the local hub.

        ## Who the service is for

        Children aged 18 months to 4 years with a delay in their speech. The current wait for
        a first home visit is about four weeks.

        ## Contact

        Telephone: 01234 560330, Monday to Friday 10am to 3pm.
        """, kind="service", title="Chatterbox Language Service")
    write_doc(kb, "groups.md", "x-groups", """
        # Positive Steps parenting groups

        ## The programme

        The groups follow four stages:

        - welcoming: getting to know the other parents
        - noticing: spotting what goes well at home
        - practising: trying new routines between sessions
        - reviewing: looking back with the group leader

        Groups of up to 12 parents meet for ten weekly sessions in the hub.
        """, kind="service", title="Positive Steps parenting groups")
    ingest([kb], settings, embeddings=embeddings)
    return Answerer(open_store(settings), embeddings)


def cited(result: dict) -> set[str]:
    return {c["doc_id"] for c in result["citations"]}


def test_named_service_answers_with_the_time_it_states(answerer: Answerer) -> None:
    result = answerer.ask("what times is the chatterbox phone line open")
    assert result["refused"] is False
    assert cited(result) == {"x-chatter"}, "the service the question names, not the guide"
    assert "10am to 3pm" in result["citations"][0]["quote"], "the stated time leads"


def test_time_of_an_unnamed_thing_is_refused(answerer: Answerer) -> None:
    result = answerer.ask("what are the opening hours of the hubs?")
    assert result["refused"] is True
    assert "does not give opening times" in result["answer"]
    assert result["closest"], "the refusal still names the closest documents"


def test_count_must_count_what_was_asked(answerer: Answerer) -> None:
    answered = answerer.ask("how many parents are in a Positive Steps group?")
    assert answered["refused"] is False
    assert any("up to 12 parents" in c["quote"] for c in answered["citations"])
    refused = answerer.ask("how many duty workers work in the hubs?")
    assert refused["refused"] is True, refused["answer"]


def test_count_for_a_period_needs_a_period(answerer: Answerer) -> None:
    result = answerer.ask("how many parents did Positive Steps groups take last year?")
    assert result["refused"] is True


def test_lead_in_brings_its_list(answerer: Answerer) -> None:
    result = answerer.ask("what are the four stages of the Positive Steps groups?")
    assert result["refused"] is False
    quote = next(c["quote"] for c in result["citations"] if "four stages" in c["quote"])
    for item in ("welcoming", "noticing", "practising", "reviewing"):
        assert item in quote
    assert "welcoming: getting to know the other parents; noticing" in result["answer"]


def test_age_question_finds_the_stated_ages(answerer: Answerer) -> None:
    result = answerer.ask("what ages is chatterbox for?")
    assert any("18 months to 4 years" in c["quote"] for c in result["citations"]), result


def test_asked_kinds() -> None:
    kinds = [a.kind.name for a in asked("What are the Front Door opening hours, and who do I "
                                        "ring out of hours?")]
    assert kinds == ["phone", "time"]
    count = asked("how many health visitors work in NB7")[0]
    assert count.kind.name == "count" and count.strict
    assert count.stated_in("There are 14 health visitors in NB7.")
    assert not count.stated_in("The duty health visitor replies within two working days.")
    assert asked("what does family help offer") == []
    route = asked("what is the referral process")
    assert [a.kind.name for a in route] == ["route"] and not route[0].strict
    assert route[0].stated_in("Refer using the online form on the partner portal.")
    assert not asked("why is this needed")[0].strict
    assert [a.kind.name for a in asked("do I have to do an EHA before I refer?")] == ["obligation"]
    assert [a.kind.name for a in asked("who is the head of the attendance team?")] == ["person"]
    assert not asked("who is the lead professional for the family?")
    manager = asked("whos the manager at orchard house")[0]
    assert manager.kind.name == "person"
    assert [a.kind.name for a in asked("who is the named safeguarding lead for the hubs")] == [
        "person"]
    assert not manager.stated_in("Orchard House is the mental health service in Ashgrove.")
    assert manager.stated_in("Dr Amara Okafor leads the Orchard House team.")
    # a plural noun after a capitalised name is no one leading anything
    assert not manager.stated_in("GPs, Family Picture leads and youth workers can all refer.")
    assert [a.kind.name for a in asked("whats the name of the FNP supervisor")] == ["person"]
    # courtesy after the ask does not hide it
    assert [a.kind.name for a in asked("front door number pls")] == ["phone"]
    assert [a.kind.name for a in asked("what time does the hub open, thanks!")] == ["time"]


def test_names_come_from_proper_names_in_titles() -> None:
    assert ("eha",) in names_of("Early Help Assessment, lead practitioner - practice guide")
    assert names_of("Reducing parental conflict - why it matters") == []
    assert ("safer", "home") in names_of("Domestic Abuse Outreach Service (Safer Homes)")
    assert not any("level" in name for name in names_of("Family Help (targeted, level 3)"))




def test_income_limit_never_stated_is_refused(answerer: Answerer) -> None:
    result = answerer.ask("is there an income limit for chatterbox?")
    assert result["refused"] is True
    assert "does not give an income limit" in result["answer"]
    assert [a.kind.name for a in asked("what's the income limit for legal aid?")] == ["income"]


def test_a_question_pointing_at_a_document_names_it(kb: Path, settings: Settings,
                                                    embeddings: CountingEmbeddings) -> None:
    # "threshold" is everyday vocabulary here: every document uses it
    write_doc(kb, "conflict.md", "x-conflict", """
        # Parental conflict and children

        ## Conflict is not domestic abuse

        Parental conflict between equals is not domestic abuse. The difference between
        parental conflict and domestic abuse is fear: where a parent is afraid of a partner,
        use the threshold and treat it as domestic abuse, not parental conflict.
        """, kind="evidence", title="Parental conflict and children")
    write_doc(kb, "threshold.md", "x-threshold", """
        # Threshold of Need

        ## Parents

        Arguments between parents that the children overhear are a level 2 need. Domestic
        abuse in the home, with a parent in fear, is a level 3 need at least.
        """, title="Threshold of Need")
    write_doc(kb, "referral.md", "x-referral", """
        # Making a referral

        ## Before you refer

        Read the threshold before you refer, and say which level of the threshold you think
        the family is at.
        """, title="Making a referral")
    ingest([kb], settings, embeddings=embeddings)
    answerer = Answerer(open_store(settings), embeddings)
    question = "what is the difference between parental conflict and domestic abuse"
    assert cited(answerer.ask(question)) == {"x-conflict"}, "the closer document, unnamed"
    assert cited(answerer.ask(question + " in the threshold?")) == {"x-threshold"}


def test_list_item_brings_its_lead_in(kb: Path, settings: Settings,
                                      embeddings: CountingEmbeddings) -> None:
    write_doc(kb, "bright.md", "x-bright", """
        # Bright Start

        ## Who the service is for

        Parents who:

        - live in the borough;
        - have a child under five; and
        - are aged 21 or under when the baby is born.

        The service is voluntary and parents can stop at any time.
        """, kind="service", title="Bright Start")
    ingest([kb], settings, embeddings=embeddings)
    result = Answerer(open_store(settings), embeddings).ask("bright start age limit?")
    quote = next(c["quote"] for c in result["citations"] if "aged 21" in c["quote"])
    assert quote.startswith("Parents who:"), quote
    assert "Parents who: live in the borough; have a child under five; and; are aged 21" \
        not in result["answer"]
    assert "are aged 21 or under when the baby is born" in result["answer"]


def test_words_asking_for_an_age_are_not_a_topic(answerer: Answerer) -> None:
    # no document says "age limit": the words ask for an age, they do not name a topic
    result = answerer.ask("chatterbox age limit?")
    assert result["refused"] is False, result["answer"]
    assert any("18 months to 4 years" in c["quote"] for c in result["citations"])


def test_two_letter_acronyms_name_a_document_only_in_capitals(answerer: Answerer) -> None:
    names = answerer.names(answerer.store.snapshot())
    assert "x-groups" in names.named_in("what ages does PS take?"), "Positive Steps"
    assert "x-groups" not in names.named_in("what ages does ps take?")


def test_the_document_holding_the_closest_sentence_answers(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    write_doc(kb, "help.md", "x-help", """
        # Family Help Service

        ## What happens after referral

        Referrals that meet the criteria are discussed at the daily allocation meeting and
        passed to the family hub. Referrals that do not meet the criteria get a written reply
        within three working days suggesting other help for the family.
        """, kind="service", title="Family Help Service")
    write_doc(kb, "fit.md", "x-fit", """
        # Matching families to help

        ## What this means for practitioners

        When a group has space but the family does not meet its criteria, look for a better
        fit rather than stretching the criteria: another family may lose the place.
        """, kind="evidence", title="Matching families to help")
    ingest([kb], settings, embeddings=embeddings)
    answerer = Answerer(open_store(settings), embeddings)
    question = ("we're stretched and the only group with space is one the family doesn't quite "
                "meet the criteria for. is it ok to refer them anyway?")
    snapshot = answerer.store.snapshot()
    passages = answerer.retriever.passages(question, 5, None, snapshot)
    # as in a larger knowledge base, the service page ranks a little ahead
    ranked = sorted((replace(p, score=1.0 if p.doc.doc_id == "x-help" else 0.8)
                     for p in passages), key=lambda p: -p.score)
    read = read_question(question, answerer.store)
    chosen = answerer.answering(Scorer(read, ranked), snapshot)
    assert {p.doc.doc_id for p in chosen} == {"x-fit"}


def test_a_wait_is_stated_only_as_a_wait() -> None:
    for question in ("how long is the wait for couple sessions", "tys waiting time atm",
                     "is there a wait for a key worker?",
                     "back on track waiting list - how many weeks at the mo"):
        assert asked(question)[0].kind.name == "wait", question
    # the waiting list as part of the story is not what is asked
    assert not asked("on the CAMHS waiting list, what level of need is this?")
    assert not asked("what can parents do while they wait for a group to start")
    wait = asked("how long is the wait for therapy")[0]
    assert wait.strict
    assert wait.stated_in("The current wait to start a group is about six weeks.")
    assert wait.stated_in("Families may wait up to three weeks for a key worker.")
    assert wait.stated_in("There is no waiting list.")
    assert not wait.stated_in("The clinician rings the family within 5 working days.")
    # a period in the story is not the period of the fact ("referred last week")
    told = asked("family referred last week, is there a wait for a key worker?")[0]
    assert told.stated_in("Families may wait up to three weeks for a key worker.")


@pytest.mark.parametrize(("question", "missing"), [
    ("how long is the waiting list for the parenting groups?", "a waiting time"),
    ("is there parking at the Chatterbox group?", "parking details"),
])
def test_a_fact_no_document_states_is_refused(answerer: Answerer, question: str,
                                              missing: str) -> None:
    result = answerer.ask(question)
    assert result["refused"], result["answer"]
    assert f"does not give {missing}" in result["answer"]


def test_a_wait_the_service_states_is_answered(answerer: Answerer) -> None:
    result = answerer.ask("how long is the wait for a Chatterbox home visit?")
    assert not result["refused"], result["answer"]
    assert "about four weeks" in result["citations"][0]["quote"]


def test_facts_a_service_page_states_or_does_not() -> None:
    kinds = {"is there parking at the hub": "parking",
             "does the centre have wheelchair access": "access",
             "what bus goes to the family hub": "transport",
             "can i hire the hall for a party": "rooms",
             "what is the ofsted rating of the nursery": "rating"}
    for question, kind in kinds.items():
        assert [a.kind.name for a in asked(question)] == [kind], question
    # what Ofsted found is a finding, not a rating
    assert [a.kind.name for a in asked("what did ofsted find about oversight")] == ["finding"]
    parking = asked("is there parking at the hub")[0]
    assert parking.strict
    assert parking.stated_in("There is free parking behind the building.")
    # a place named Park is not parking
    assert not parking.stated_in("Groups run at Holloway Park and Crane Hill.")


def test_a_national_programme_no_document_names_is_refused(answerer: Answerer) -> None:
    result = answerer.ask("how do families apply for healthy start vouchers?")
    assert result["refused"], result["answer"]
    assert "anything on Healthy Start" in result["answer"]
    # a programme named in passing does not make the question about it
    ramble = ("mum gets healthy start, can Chatterbox see her 2 year old who is behind with his "
              "talking and only says a few words? home visit or a group in the local hub?")
    assert programmes.named_in(ramble)
    snapshot = answerer.store.snapshot()
    assert answerer.programme_not_held(read_question(ramble, answerer.store), snapshot) == ""
    short = read_question("healthy start vouchers?", answerer.store)
    assert answerer.programme_not_held(short, snapshot) == "Healthy Start"


def test_a_national_programme_the_documents_name_is_answered(
        kb: Path, settings: Settings, embeddings: CountingEmbeddings) -> None:
    write_doc(kb, "food.md", "x-food", """
        # Help with food

        Families on a low income can apply for Healthy Start vouchers online; the card is
        topped up every four weeks.
        """, kind="service", title="Help with food")
    ingest([kb], settings, embeddings=embeddings)
    result = Answerer(open_store(settings), embeddings).ask(
        "how do families apply for healthy start vouchers?")
    assert not result["refused"], result["answer"]
    assert result["citations"][0]["doc_id"] == "x-food"
