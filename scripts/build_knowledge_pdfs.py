"""Build the PDF documents of the starter knowledge base (knowledge/services/*.pdf).

The text of each PDF is held in this script, so the PDFs can be rebuilt exactly:

    .venv/bin/python scripts/build_knowledge_pdfs.py

fpdf2 (a development dependency) writes them with the core Helvetica font, so the text must be
Latin-1: plain hyphens and straight apostrophes, no curly quotes or dashes. Headings are bold,
larger and on their own line; numbered headings ("1. Who the service is for") are what
Waymark's PDF loader recognises as sections. Every paragraph and list item ends with
punctuation so that a short last line is never mistaken for a heading. The metadata of each
PDF lives in the hand-written sidecar beside it (<name>.pdf.meta.yaml), not here.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from fpdf import FPDF

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "knowledge" / "services"
FIXED_DATE = dt.datetime(2026, 4, 1, 9, 0, 0, tzinfo=dt.UTC)

# Markup: "# " title, "## " heading, "### " sub-heading, "- " list item, blank line between
# paragraphs; other lines are joined into one paragraph.

FAMILY_HELP = """
# Northbrook Family Help Key-Worker Service

Service specification. Version 2.0, effective 1 April 2026. Owner: Northbrook Council,
Family Help Service.

## 1. Purpose of the service

The Family Help Key-Worker Service gives families with several needs one trusted worker who
stays with them, coordinates the help of other agencies and works alongside the family until
things have changed for the children. It is Northbrook's main service for targeted early help
at level 3 of the Northbrook Threshold of Need, and it is delivered from the four family hubs:
Northbrook Central (NB1), Riverside (NB2), Eastfield (NB5) and Hollins Green (NB7).

The service is built on what Northbrook families have told us makes a difference: a worker who
treats them as a partner, who deals first with the problems the family says matter most, who
offers practical help quickly and who helps the family learn ways of coping that last after the
service ends. It follows the lead practitioner model described in Working Together to
Safeguard Children 2023.

## 2. Who the service is for

The service is for families who live in postcode districts NB1 to NB9, with at least one child
aged 0 to 18 or a pregnancy, or a young person up to 25 with special educational needs and
disabilities, where all of the following apply:

- the family's needs are at level 3 of the Northbrook Threshold of Need, so that more than one
agency needs to be involved, or help at level 2 has not led to lasting change;
- the family has at least one of the needs the service works with, such as parenting
difficulties, children's behaviour, poor or severe school absence or risk of exclusion, a
child's mental health or self-harm, early offending or going missing, parental mental ill
health, parental drug or alcohol use, a parent with a learning disability, domestic abuse
assessed as standard or medium risk, emerging neglect, homelessness or the threat of it, debt,
no recourse to public funds, a young carer or conflict between parents;
- the family agrees to work with the service. Family Help is voluntary.

Families do not have to have an Early Help Assessment before they are referred. If there is
none, the key worker completes it with the family in the first four weeks.

## 3. Who the service is not for

The service is not for:

- children who already have an allocated social worker, on a child in need plan, a child
protection plan or as looked-after children. The social worker is the lead professional. A key
worker can deliver part of the social worker's plan through a request to the Family Help
manager, but does not open a separate early help plan;
- families whose needs are at level 2, which are best met by the agency that already knows
them, such as the school, nursery or health visitor. That agency can call the Early Help Hub for
advice and can refer to groups at the family hub;
- families where there is a concern that a child is suffering or is likely to suffer
significant harm. Contact the Children's Services Front Door on 01632 960100 straight away;
- families who do not consent. Talk to your manager, keep offering help and follow the
Northbrook Threshold of Need if the concerns grow.

## 4. What the service offers

### 4.1 The key worker

Each family has one named key worker, who acts as lead practitioner for the whole family. Key
workers are qualified family support practitioners, many with a social work, youth work,
teaching or nursery nursing background, and all are trained in the Family Partnership Model,
motivational interviewing and trauma-informed practice. Caseloads are kept to a maximum of 12
families per full-time worker so that key workers have time to build relationships.

The key worker visits the family at home at least every two weeks and often weekly at the start.
They are persistent and reliable: they keep trying when appointments are missed, they do what
they say they will do, and they are honest with parents about what worries them and what needs
to change. They combine support with challenge, helping parents to see the effect of their
circumstances and behaviour on their children while building on what the family does well.

### 4.2 The Early Help Assessment and family plan

The key worker completes the Northbrook Early Help Assessment with the family, including the
views of every child who is old enough to give them. The assessment looks at the child's
developmental needs, parenting capacity and family and environmental factors, and records the
family's strengths as well as the worries. From it the family and key worker agree a family plan
with no more than five outcomes, written in the family's words, each with clear actions, named
people and timescales. The plan is shared with every agency in the Team Around the Family.

### 4.3 Team Around the Family meetings

The key worker arranges and chairs Team Around the Family meetings, usually at the family hub
or the child's school, within six weeks of allocation and then at least every six weeks. The
family is at the centre of every meeting. The key worker makes sure that each agency does what
it agreed to do and will challenge other services, through their managers if necessary, when
actions are not completed.

### 4.4 Practical help

Key workers can give practical help straight away, because families tell us this is often what
builds trust. This includes help with forms, benefits and debts alongside the Money and
Housing Advice Service; going with parents to appointments; arranging childcare places, school
uniform and transport; and small grants from the Family Help flexible fund of up to 250 pounds
per family, agreed by the team manager, for items such as beds, cookers or travel costs.

### 4.5 Direct work and groups

Key workers deliver direct work with parents and children using recognised tools, including the
Graded Care Profile 2 for neglect, the Outcomes Star, and resources on routines, boundaries,
emotional regulation and healthy relationships. They link families into family hub groups such
as Incredible Years, Parents Together and the Freedom Programme, and into specialist services
such as Steps, Safer Homes and Targeted Youth Support.

## 5. How to refer

Professionals refer by sending a request for support to the Early Help Hub, with an Early Help
Assessment if one has been completed. Use the online form at
https://www.northbrook.example/family-help/request-for-support, or email the form to
earlyhelp@northbrook.example. Families can also ask for help themselves by calling the
Early Help Hub on 01632 960210 or by speaking to any family hub reception.

Before referring, please:

- talk to the family about your concerns and about what Family Help offers, and obtain their
consent to the referral and to sharing information;
- check with the family whether a social worker is involved;
- describe the family's needs and strengths, what has been tried and what the family wants help
with, including the views of the children;
- tell us about any risks to staff, such as dogs, or a person in the household who is violent.

If you are unsure whether a family meets the criteria, call the Early Help Hub consultation line
on 01632 960210 to talk it through. You do not need to give the family's name.

## 6. What happens after referral

The Early Help Hub screens every request on the working day it arrives. A social worker in the
Hub checks that no statutory response is needed; if it is, the request is passed to the Front
Door the same day and the referrer is told.

Requests that meet the criteria are discussed at the daily allocation meeting and passed to the
family hub covering the family's postcode. The team manager allocates a key worker, who
contacts the family within five working days and makes a first home visit within ten working
days. The referrer is told who the key worker is.

Requests that do not meet the criteria receive a written reply within three working days,
explaining the decision and suggesting other help, such as a level 2 plan led by the referring
agency, a family hub group or another service in this directory.

## 7. Waiting times and response standards

- Screening of every request: the same working day.
- First contact with the family: within five working days of allocation.
- First home visit: within ten working days of allocation.
- Early Help Assessment and family plan completed: within four weeks of the first visit.
- First Team Around the Family meeting: within six weeks of the first visit.
- Reviews of the plan: at least every six weeks.

At the time of this specification there is no waiting list for allocation in NB1, NB2, NB5 and
NB7. Families in NB3, NB4, NB6, NB8 and NB9 may wait up to three weeks for a key worker, during
which the Early Help Hub keeps in touch with the referrer and the family fortnightly.

## 8. Consent and information sharing

Family Help is a voluntary service. The key worker explains the service, the assessment and how
information will be shared, and records the family's informed consent. Young people who are
competent to decide give their own consent. Families may withdraw at any time; if they do, the
key worker discusses with their manager whether the concerns for the children mean that other
action is needed.

Consent is not needed to share information where a child is at risk of significant harm. In
that case key workers share information with the Front Door without delay and record why.

## 9. Safeguarding and stepping up

Key workers follow the Northbrook Safeguarding Children Partnership procedures and the
Northbrook Threshold of Need. If a child is in immediate danger they call 999. If they believe a
child is suffering or is likely to suffer significant harm, they contact the Front Door on
01632 960100 and inform their manager the same day. When needs increase without immediate
risk, the key worker discusses stepping up with their manager, tells the family, and sends a
request for support to the Front Door with the assessment, the plan and a summary of progress.

## 10. Stepping down and closure

Family Help also receives families stepping down from children's social care at the end of a
child in need or child protection plan. The social worker arranges a joint step-down meeting
with the family and the key worker and hands over the plan, so the family does not have to tell
their story again.

Work normally lasts between six and nine months. The case closes when the Team Around the
Family agrees that the outcomes of the plan have been met and are likely to last, or when the
family withdraws consent. The key worker writes a closing summary with the family, agrees who
the family will go to for help in future, and tells every agency in the plan.

## 11. Quality assurance and management oversight

Every key worker receives one-to-one supervision at least every four weeks, and their manager
records oversight on every family's file at least every three months. Oversight asks whether
the plan is making a difference to the children's daily lives, not only whether tasks have been
completed. Key workers also take part in fortnightly group case discussion, where they can
bring families with whom work feels stuck.

The Family Help service manager audits a sample of cases every month, including an audit of
each new plan six to eight weeks after it starts, and dip samples the level of need recorded
against the Northbrook Threshold of Need. Findings are discussed with each worker and reported to
the Safeguarding Children Partnership quality assurance group.

## 12. Outcomes we measure

For each family the service records progress against the outcomes of the family plan, the
Outcomes Star at the start and end of the work, school attendance, and whether the family is
referred to children's social care within 12 months of closure. Families are asked for their
feedback at closure. The service reports these measures every quarter to the Northbrook Early
Help Partnership.

## 13. Contact details

- Early Help Hub (requests for support and consultation): 01632 960210.
- Email: earlyhelp@northbrook.example.
- Web: https://www.northbrook.example/family-help.
- Northbrook Central Family Hub, Civic Square, Northbrook NB1 1AB.
- Riverside Family Hub, Mill Lane, Northbrook NB2 4QT.
- Eastfield Family Hub, Eastfield Road, Northbrook NB5 2HS.
- Hollins Green Family Hub, Hollins Green, Northbrook NB7 8EW.
"""

PERINATAL = """
# Northbrook Specialist Perinatal Mental Health Team

Service information for professionals. Version 1.3, effective 1 May 2026. Owner: Northbrook
and District Mental Health NHS Foundation Trust.

## 1. About the service

The Specialist Perinatal Mental Health Team is a community mental health service for women and
birthing people who have, or are at high risk of, moderate to severe mental illness during
pregnancy or in the first two years after birth. The team includes perinatal psychiatrists,
specialist nurses, psychologists, an occupational therapist, nursery nurses and peer support
workers. It works closely with midwives, health visitors, GPs and the Family Nurse Partnership.

## 2. Who the service is for

The team accepts referrals for people who live in postcode districts NB1 to NB9 or are
registered with a Northbrook GP, who are pregnant or have a baby under 24 months old, and who:

- have moderate to severe depression or anxiety, or obsessive-compulsive symptoms, that are not
improving with primary care treatment;
- have, or have had, a serious mental illness such as bipolar disorder, schizophrenia or
postpartum psychosis, even if they are well now, for pre-conception or pregnancy advice and a
care plan for the birth;
- have a close family history of bipolar disorder or postpartum psychosis;
- have severe fear of childbirth (tokophobia) or trauma symptoms after a difficult birth;
- have thoughts of harming themselves or the baby, or significant difficulties in the
relationship with the baby linked to their mental health.

The person must agree to the referral. The team also supports partners through its family
sessions.

## 3. Who the service is not for

- Mild to moderate low mood or anxiety: the health visitor can offer listening visits and the GP
or the person themselves can refer to NHS Talking Therapies.
- People whose baby is over 24 months old: refer to adult community mental health services.
- Drug or alcohol problems without a mental illness: refer to the Northbrook Recovery
Partnership, or the Steps Family Service for parents.
- Concerns that a baby is at risk of significant harm: contact the Children's Services Front
Door on 01632 960100. The team can work alongside children's social care.

## 4. What the service offers

- A specialist assessment, usually at home or at the family hub, within four weeks of referral.
- Pre-conception advice for women with a serious mental illness who are planning a pregnancy.
- Medication advice during pregnancy and breastfeeding.
- Psychological therapy, including parent-infant work to support the relationship with the
baby.
- A perinatal mental health care plan shared with the midwife, obstetrician and health visitor
before the birth.
- Peer support groups for parents, and support for partners.
- Admission to a mother and baby unit where inpatient care is needed.

## 5. How to refer

Referrals are accepted from GPs, midwives, obstetricians, health visitors, family nurses and
other mental health services. Use the perinatal referral form, sent by secure email to
perinatal.mh@northbrook.example, or telephone the team for advice on 01632 960320. Please
include current symptoms, risk to self and others including the baby, psychiatric history,
stage of pregnancy or age of the baby, and the person's consent. Self-referral is not available;
parents who are worried should talk to their GP, midwife or health visitor.

## 6. What happens after referral

The duty clinician triages referrals every weekday. Urgent referrals are seen within 48 hours,
and routine referrals within four weeks. The referrer receives a letter with the outcome of
triage. The current waiting time for psychological therapy after assessment is about eight
weeks; people waiting stay under the care of a named clinician.

## 7. Urgent and crisis care

Postpartum psychosis is a psychiatric emergency. Signs include confusion, very rapid mood
changes, hearing or seeing things, and unusual beliefs, usually starting in the first two weeks
after birth. Arrange same-day assessment through the duty clinician or, out of hours, the
Northbrook 24-hour mental health crisis line on 01632 960800. If there is an immediate risk to
the parent or the baby, call 999.

## 8. Contact details

- Duty clinician and advice line: 01632 960320, Monday to Friday 9am to 5pm.
- Secure email for referrals: perinatal.mh@northbrook.example.
- Out of hours: Northbrook 24-hour mental health crisis line, 01632 960800.
"""

EARLY_TALK = """
# Early Talk Northbrook

Early speech, language and communication programme. Version 1.0, effective 1 September 2026.
Owner: Northbrook Council Family Hubs with Northbrook Community Health NHS Trust.

## 1. What the service offers

Early Talk helps young children whose talking and understanding are behind what is expected for
their age. It is delivered by early language practitioners, trained and supervised by NHS speech
and language therapists, at family hubs and in the home. Early Talk is a Family Hub pilot
funded until March 2028 and is currently available only in postcode districts NB1, NB2, NB6 and
NB8.

Each family is offered:

- a home visit to understand the child's communication and agree goals with the parent;
- six weekly Talk Together group sessions for parents and children, using play, songs and books;
- tips and short videos for everyday talk at home, at mealtimes, bath time and on the way to
nursery;
- a review with the WellComm screening toolkit at the end of the programme, with referral on to
NHS speech and language therapy if the child needs it.

## 2. Who the service is for

Children aged 18 months to 4 years who live in NB1, NB2, NB6 or NB8 and who have a delay in
their speech, language or communication, identified by a health visitor, an early years
setting or the parent. Families are usually at level 1 or level 2 of the Northbrook Threshold of
Need. A parent or carer must agree to take part and attend with the child.

## 3. Who the service is not for

- Children with a known disability or a suspected autism spectrum condition, or whose delay is
severe: refer to NHS speech and language therapy, which sees children across Northbrook.
- Children with a stammer: refer to NHS speech and language therapy directly.
- Children who live in NB3, NB4, NB5, NB7 or NB9: the health visitor can offer advice and
refer to NHS speech and language therapy or the family hub Chatterbox sessions.
- Children aged 4 and over who have started school: the school's SENCO can advise.

## 4. How to refer

Health visitors and early years settings refer using the Early Talk form, with the child's
WellComm or Ages and Stages result if available. Parents can ask at any family hub reception in
NB1, NB2, NB6 or NB8 or call 01632 960330. Please check that the child's hearing has been
tested, or ask the health visitor to arrange a hearing test.

## 5. What happens after referral

An early language practitioner calls the family within ten working days and visits within four
weeks. Talk Together groups start every half term. The current wait to start a group is about
six weeks.

## 6. Contact details

- Telephone: 01632 960330, Monday to Friday 9am to 4pm.
- Email: earlytalk@northbrook.example.
"""

DOCUMENTS = {
    "family-help-key-worker.pdf": ("Northbrook Family Help Key-Worker Service", FAMILY_HELP),
    "perinatal-mental-health.pdf": (
        "Northbrook Specialist Perinatal Mental Health Team",
        PERINATAL,
    ),
    "early-talk.pdf": ("Early Talk Northbrook", EARLY_TALK),
}


def parse(markup: str) -> list[tuple[str, str]]:
    """(kind, text) blocks: title, h2, h3, bullet, para."""
    blocks: list[tuple[str, str]] = []
    current: tuple[str, list[str]] | None = None

    def flush() -> None:
        nonlocal current
        if current:
            blocks.append((current[0], " ".join(current[1])))
        current = None

    for raw in markup.strip().splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith(("# ", "## ", "### ")):
            flush()
            marks, text = line.split(" ", 1)
            blocks.append(({1: "title", 2: "h2", 3: "h3"}[len(marks)], text))
        elif line.startswith("- "):
            flush()
            current = ("bullet", [line[2:]])
        elif current:
            current[1].append(line)
        else:
            current = ("para", [line])
    flush()
    return blocks


def render(title: str, markup: str) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(title)
    pdf.set_author("Northbrook (fictional local area for Waymark)")
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    for kind, text in parse(markup):
        text.encode("latin-1")  # core fonts only: fail loudly on any other character
        if kind == "title":
            pdf.set_font("Helvetica", "B", 18)
            pdf.multi_cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
        elif kind in ("h2", "h3"):
            size = 13 if kind == "h2" else 11.5
            if pdf.get_y() > pdf.h - 45:  # keep a heading with the text after it
                pdf.add_page()
            pdf.ln(3)
            pdf.set_font("Helvetica", "B", size)
            pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif kind == "bullet":
            pdf.set_font("Helvetica", "", 10.5)
            pdf.set_x(pdf.l_margin + 4)
            pdf.multi_cell(0, 5.5, "- " + text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        else:
            pdf.set_font("Helvetica", "", 10.5)
            pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2.5)
    return bytes(pdf.output())


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (title, markup) in DOCUMENTS.items():
        path = OUT / name
        path.write_bytes(render(title, markup))
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
