"""The words of people in notes: role words, what a name looks like, and the patterns ages
come in. Data for the people reader (people.py), kept apart so the reader reads as steps."""

from __future__ import annotations

import re

# role word -> (normalised role, is a child, is a parent figure)
ROLES: dict[str, tuple[str, bool, bool]] = {}
for _words, _role, _child, _parent in [
    ("mum mom mam mummy mother mama", "mother", False, True),
    ("dad daddy father papa", "father", False, True),
    ("stepdad step-dad stepfather step-father", "stepfather", False, True),
    ("stepmum step-mum stepmother step-mother", "stepmother", False, True),
    ("parent", "parent", False, True),
    ("partner boyfriend girlfriend fiance fiancee husband wife", "partner", False, True),
    ("carer guardian", "carer", False, True),
    ("nan nana nanna gran granny grandma grandmother mother-in-law", "grandmother", False,
     False),
    ("grandad granddad grandpa grandfather father-in-law", "grandfather", False, False),
    ("aunt auntie aunty", "aunt", False, False),
    ("uncle", "uncle", False, False),
    ("son", "son", True, False), ("daughter", "daughter", True, False),
    ("baby infant newborn", "baby", True, False), ("toddler", "toddler", True, False),
    ("boy lad", "boy", True, False), ("girl", "girl", True, False),
    ("child kid", "child", True, False), ("pupil student", "pupil", True, False),
    ("teen teenager yp", "young person", True, False),
    ("young_person young_man", "young person", True, False),
    ("brother bro", "brother", True, False), ("sister sis", "sister", True, False),
    ("sibling", "sibling", True, False),
]:
    for _word in _words.split():
        ROLES[_word.replace("_", " ")] = (_role, _child, _parent)

PLURAL_CHILDREN = {"children": 0, "kids": 0, "teens": 0, "boys": 0, "girls": 0, "sons": 0,
                    "daughters": 0,
                    "siblings": 0, "twins": 2, "triplets": 3, "babies": 0, "parents": 0}
ROLE_WORD = re.compile(r"\b(" + "|".join(sorted(
    [*ROLES, *(w + "s" for w in ROLES if not w.endswith("s")), *PLURAL_CHILDREN],
    key=len, reverse=True)) + r")\b", re.I)
# a name is a run of capitalised words ("Sadia Begum"): surnames alone would merge a family
NAME = re.compile(r"\b[A-Z][a-z]+(?:[-'][A-Z][a-z]+)?(?:\s+[A-Z][a-z]+(?:-[A-Z][a-z]+)?)*\b")
NOT_NAMES = set("""
I A An The This That These Those He She They We You It His Her Their Our My Your Its Him Them
Mum Mom Dad Nan Gran Mr Mrs Ms Miss Dr Year Yr Reception Nursery School Primary Secondary Academy
College Police Social Care Services Team Health Visitor Midwife Nurse Doctor GP NHS Family Help
Early Referral Concern Concerns Notes Note Case Pupil Name Names Date Age Address Postcode Reason
Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June
July August September October November December Christmas Easter Today Yesterday Tomorrow Last
Next Also And But Or So If When While After Before Since Lives Living Has Have Had Is Are Was
Were Been Being Not No Yes Please Thanks Hi Hello Dear Re Subject From To Cc Sent Regards
Kind Many Some All Both Each Every Any One Two Three Four Five Six Seven Eight Nine Ten Other
Baby Child Children Kids Son Daughter Mother Father Parent Parents Carer Partner Boyfriend
Girlfriend Stepdad Stepmum Grandmother Grandfather Aunt Uncle Brother Sister Twins Twin Toddler
Teenager Boy Girl Young Person Officer Sergeant Constable School's Council Housing Hospital
Dept Ward Unit Centre Center Road Street Lane Avenue Close Drive Way House Flat Court Park
Muslim Christian Polish English Romanian Somali Urdu Arabic British Irish Asian Black White
DSL SENCO EHA TAF CAMHS EHCP DA PPN ASB CP CIN LADO MASH ED AE OK Ok Apparently Currently
Mother's Father's Mum's Dad's Concerned Worried Called Seen Visited Spoke Told Says Said
Grade Level Stage Tier Section Flat Room Ward Page Step Phase Key Stage Band Bus Route Unit
""".split())
PLACE_AFTER = re.compile(r"^\s+(?:Primary|School|Academy|College|Road|Street|Lane|Avenue|Close|"
                          r"Drive|Court|Centre|Hospital|Surgery|Estate|Park|Nursery|House|Way|"
                          r"Children's|Infant|Junior|High|Medical)\b")
TITLE_BEFORE = re.compile(r"\b(?:Dr|PC|DC|Sgt|Officer|at|in|from)\.?\s*$")  # not family

UNIT = r"(?:years?|yrs?|yo|y/o|y\.o\.|months?|mths?|mnths?|mos?|mo|m/o|weeks?|wks?|w/o|days?)"
# health visitors' notation: "9/12" is nine months old, "5/52" five weeks, "38+4" is gestation
FRACTION_AGE = re.compile(r"(?<![\d/])(?P<num>\d{1,2})/(?P<of>12|52)(?![\d/])")
AGE_WITH_UNIT = re.compile(
    rf"(?<![£\d.:/])\b(?P<num>\d{{1,2}}(?:\.\d)?)\s*-?\s*(?P<unit>{UNIT})(?:\s*-?\s*(?P<old>olds?))?"
    r"(?![\w/])", re.I)
COMPOUND_AGE = re.compile(r"(?<![\d.])\b(?P<y>\d{1,2})\s*(?:y|yrs?|years?)\s*,?\s*(?:and\s+)?"
                          r"(?P<m>\d{1,2})\s*(?:m|mths?|months?)\b(?:\s*-?\s*(?P<old>old))?",
                          re.I)
LISTED_AGES = re.compile(r"(?<![\d.£:/])\b(?P<list>\d{1,2}(?:\s*(?:,|and|&|\+)\s*\d{1,2})+)\s*-?\s*"
                         r"(?:yo|y/o|y\.o\.|yrs?\s+olds?|years?[\s-]+olds?)\b", re.I)
AGED = re.compile(rf"\b(?:aged?|age:|turned|turns|turning)\s*:?\s*(?P<approx>about|nearly|almost|"
                   rf"just|only)?\s*(?P<num>\d{{1,2}}(?:\.\d)?)(?:\s*(?P<unit>{UNIT}))?\b", re.I)
DOB = re.compile(r"\b(?:DOB|D\.O\.B\.?|date of birth|born(?: on)?|b\.)(?:\s+of\s+(?:the\s+)?"
                  r"[a-z]+)?\s*:?\s*(?P<d>\d{1,2})"
                  r"[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{2,4})\b", re.I)
MONTHS = "jan feb mar apr may jun jul aug sep oct nov dec".split()
BORN_MONTH = re.compile(r"\bborn\s+(?:in\s+)?(?P<month>(?:jan|feb|mar|apr|may|jun|jul|aug|sep|"
                         r"oct|nov|dec)[a-z]*)\.?\s+(?P<year>(?:19|20)\d\d)\b", re.I)
# "Year 4", "yr 7", "Y5"; not "a year 2 weeks ago" (a number of weeks)
SCHOOL_YEAR = re.compile(r"\b(?:year|yr)\s*(?P<year>\d{1,2})\b(?!\s*-?\s*(?:olds?|s\b)"
                         r"|\s+(?:weeks?|wks?|months?|days?|years?|yrs?|hours?|times)\b)"
                         r"|\bY(?P<y>\d{1,2})\b", re.I)
# "Year 2 teacher", "the Year 9 pupils": a year group that is not one child
NOT_A_PUPIL = re.compile(r"\s*(?:teachers?|tutors?|class(?:es)?|groups?|team|leads?|leaders?|"
                         r"heads?|staff|pupils|students|children|kids|boys|girls|cohort|"
                         r"assembl(?:y|ies)|trips?|sats|exams?|options|transition|parents)\b",
                         re.I)
# what may stand between a mention and its age: "Leah is 6", "Mum Shannon (23)", "Isla, who is
# 18 months", "dad - 36", "Noah, who turned 5", "Kieran, Year 4", "she's 17",
# "sister's only 8", "Mother (Hafsa) is 24"
LINK_WORDS = (r"(?:who\s+is|who's|who’s|whos|that\s+is|who|that|is\s+now|is\s+in|is|'s|’s|was|"
               r"now|of|in|dob:?|d\.o\.b\.?:?|born(?:\s+on)?|date\s+of\s+birth:?|aged?|age:|turned|"
               r"just\s+turned|has\s+just\s+turned|only|just|about|nearly|almost)")
LINK = re.compile(rf"^\s*\)?\s*(?:,\s*|\(\s*|-\s*|:\s*)?(?:{LINK_WORDS}\s*){{0,2}}\(?\s*$", re.I)
BARE_AGE = re.compile(rf"^(?P<gap>\s*\)?\s*(?:,\s*|\(\s*|-\s*|:\s*)?(?:{LINK_WORDS}\s*){{0,2}}"
                       r"\(?\s*)"
                       r"(?P<num>\d{1,2}(?:\.\d)?)\b(?!\s*(?:%|am\b|pm\b|:\d|times|x\b|"
                       r"weeks? pregnant|wks? pregnant|percent|hours?|hrs?|mins?|minutes|"
                       r"nights?|days? a|/\d|\.\d\d|st\b|nd\b|rd\b|th\b|[,.]\d|£|p\b))", re.I)
NOT_AGE_BEFORE = re.compile(r"(?:\b(?:for|past|last|over|within|sober|clean|after|since|in|every|"
                             r"than|under|below|above|flat|number|no\.?|room|bus|route|attendance"
                             r"|by|until|till)\s*|£"
                             # "the waitlist is 9 months", "BMI is now 16.2": a wait or a measure;
                             # "the 6-8 week check": the end of a range
                             r"|\b(?:list|wait|waitlist|bmi|epds|score|weighs|weight)"
                             r"(?:\s+(?:is|was|of|now|at))*\s*|\d\s*[-–]\s*)$", re.I)
NOT_AGE_AFTER = re.compile(r"^\s*(?:-?\s*olds?\s+)?(?:ago|sober|clean|later|of (?:school|age|"
                            r"education|support|work)|pregnant|gestation|into|in (?:prison|"
                            r"custody|care|the|temporary)|before|behind|late|arrears|sentence|"
                            r"waiting|wait|off|on the|of (?:the|her|his|their)"
                            # "3.4 kg"; "30 weeks along"
                            r"|kgs?|kilos?|g|grams?|lbs?|oz|cm|along|gone)\b", re.I)
NOT_A_PERSON = re.compile(r"\s+(?:in need|protection|care|minding|minder|benefit|maintenance|"
                           r"arrangements|development|health|centre|seat|seats|sexual|abuse|"
                           r"exploitation|poverty|trafficking|criminal|visa|loan|finance|"
                           r"nurses?|midwi(?:fe|ves)|social workers?|accommodation|card)\b",
                           re.I)
# words that follow a role in chat without being a name ("mum has 3 kids", "dad works 12 hrs")
CHAT_WORDS = set("""is was has had and but says said rang called thinks told wants needs does
did can could will would took left came went lives living got gets are not now age aged about
only just the to in at on for from been be with who whos shes hes works worked says aged turned
has had with also then over under around approx approximately roughly nearly almost""".split())
# "hes 6", "shes 14" typed without the apostrophe; "is" itself also links a lowercase name or a
# word such as "eldest" to its age ("leah is 6", "our eldest is 4")
PRONOUN_AGE = re.compile(r"\b(?P<who>he|she|i)(?:\s+is|'s|’s|s|'m|’m|m|\s+am|\s+turned)\b",
                         re.I)
PRONOUN = re.compile(r"\b(he|she|they)\b", re.I)
PLURAL_AGES = re.compile(r"^(?P<gap>\s*(?:,\s*|:\s*|\(\s*)?(?:are|r|aged?|of|both|both aged)?\s*)"
                          r"(?P<list>\d{1,2}(?:\.\d)?(?:(?:\s*(?:,|and|&|\+)\s*|\s+n\s+|\s+)"
                          r"\d{1,2}(?:\.\d)?)*)"
                          r"(?!\s*(?:%|am\b|pm\b|weeks? pregnant|times))\b", re.I)
COUNT_BEFORE = re.compile(r"\b(?P<n>\d{1,2})\s+(?:young\s+|little\s+)?$", re.I)
SENTENCE_END = re.compile(r"[.!?\n]")

SPOKEN = {"mother": "Mum", "father": "Dad", "stepfather": "Stepdad", "stepmother": "Stepmum",
           "grandmother": "Nan", "grandfather": "Grandad", "child": "child", "baby": "baby",
           "toddler": "toddler", "boy": "boy", "girl": "girl", "son": "son",
           "daughter": "daughter", "pupil": "pupil", "young person": "young person"}

NOT_NAME_LEADS = set("""Mr Mrs Ms Miss Mx Victim Suspect Driver Male Female Juvenile Subject
Informant Caller Visited Seen Saw Met Re Dear Regarding Thank Thanks Patient Client Referral
Missing MFH Appropriate Adult Adults Teenage Baby Pupil Student Child Children""".split())

FEMALE = {"mother", "stepmother", "grandmother", "aunt", "daughter", "girl", "sister"}
MALE = {"father", "stepfather", "grandfather", "uncle", "son", "boy", "brother"}

CHILD_ROLES = {role for role, child, _ in ROLES.values() if child}


def strip_title_words(match: re.Match[str]) -> re.Match[str] | None:
    """'Victim Sadia Begum' -> 'Sadia Begum', 'Mrs Hodan Hassan' -> 'Hodan Hassan': leading
    words that are not names are dropped (the match is redone on the rest of the run)."""
    words = match.group().split()
    drop = 0
    while drop < len(words) and (words[drop] in NOT_NAMES or words[drop] in NOT_NAME_LEADS):
        drop += 1
    if drop == len(words):
        return None
    if drop == 0:
        return match
    start = match.start() + match.group().index(words[drop], sum(len(w) for w in words[:drop]))
    return NAME.match(match.string, start)
