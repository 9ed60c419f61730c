"""People, organizations and places: spaCy's candidates, corrected by the habits of news writing.

Rules, in order: a name the article establishes in full ("Russian President Vladimir Putin") makes
every later surname mention that person whatever the model says; a lone name the model calls a
person but the article never introduces is checked against the gazetteer and its neighbours (a
list of places makes its members places); acronyms defined in the text or spelled by a longer name
("United States" / "US") are one entity; headlines in Title Case only confirm names the body has.
"""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sitegen.annotate import gazetteer
from sitegen.annotate.given_names import is_given_name
from sitegen.model import Entity, EntityKind
from sitegen.slugs import spelling_key

if TYPE_CHECKING:  # spaCy loads in a second; only annotation needs it
    from spacy.tokens import Doc, Span, Token

LABEL_KIND: dict[str, EntityKind] = {"PERSON": "person", "ORG": "organization", "GPE": "place",
                                      "LOC": "place", "FAC": "place"}
TITLE_WORDS = {
    "president", "prime", "minister", "secretary", "chancellor", "king", "queen", "prince", "princess",
    "pope", "senator", "sen.", "rep.", "representative", "governor", "gov.", "mayor", "general", "gen.",
    "admiral", "colonel", "col.", "captain", "lieutenant", "commander", "chief", "head", "leader", "director",
    "spokesperson", "spokesman", "spokeswoman", "aide", "envoy", "ambassador", "judge", "justice", "officer",
    "chairman", "chairwoman", "chair", "ceo", "founder", "deputy", "assistant", "foreign", "defense",
    "defence", "mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "sir", "dame", "lord", "lady",
    "sheikh", "emir", "crown", "vice", "former", "acting", "state", "speaker", "premier", "commissioner",
    "negotiator", "adviser", "advisor", "official", "analyst", "correspondent", "reporter", "editor",
    "minister's", "top", "army", "military", "then", "treasurer", "attorney", "solicitor", "advocate",
    "coach", "manager",
}
# Portfolio words the model tags ORG inside a title ("Defense Secretary"): never an organization alone.
PORTFOLIO_WORDS = {"defense", "defence", "state", "foreign", "interior", "justice", "treasury", "home",
                   "health", "finance", "trade", "energy", "economy", "education", "transport", "commerce",
                   "industry", "agriculture", "culture", "labour", "labor", "environment", "housing",
                   "infrastructure", "tourism", "sport", "sports", "digital", "science", "technology"}
EVENT_WORDS = re.compile(r"\b(Forum|Summit|Conference|Olympics|Games|Festival|Awards?|Cup|Championships?|"
                         r"Congress of|Week|Day)\b")
# Agreements and programmes are neither bodies nor places ("the Black Sea Grain Initiative").
AGREEMENT_WORDS = re.compile(r"\b(Initiative|Agreement|Accords?|Treaty|Deal|Pact|Protocol|Plan|Act|Code)$")
ORG_HEADS = {"ministry", "department", "service", "services", "agency", "office", "council", "committee",
             "government", "parliament", "court", "bank", "party", "army", "navy", "forces", "police",
             "commission", "administration", "guard", "survey", "institute"}
# Words before "on" and a platform's name: "wrote on", "in a post on".
PLATFORM_CUES = {"write", "writes", "wrote", "writing", "post", "posts", "posted", "posting", "respond", "responds",
                 "responded", "tweet", "tweeted", "share", "shared", "announce", "announced", "reply", "replied",
                 "message", "video", "statement", "channel", "account", "page", "profile"}
SPEECH_ON_PLATFORM = {"said", "says", "say", "wrote", "warned", "added", "argued", "claimed", "commented"}
PUBLICATION_NOUNS = {"report", "reports", "study", "survey", "index", "review", "strategy", "paper"}
EVENT_NOUNS = {"summit", "conference", "talks", "games", "meeting", "forum", "congress", "ceremony"}
RESULTS_VERBS = {"reported", "reports", "posted", "posts", "forecast", "forecasts", "forecasted", "expects",
                 "expected", "raised", "cut", "lowered", "beat", "missed"}
# "the US administration", "the UK government": the country, as the gold standard has it.
STATE_HEADS = {"administration", "government"}
OWNED_BODY_HEADS = {"ministry", "department", "bank", "administration", "office", "council", "committee",
                    "commission", "agency", "service", "court", "parliament", "government"}
PLACE_SUFFIXES = {"region", "oblast", "province", "district", "county", "peninsula", "governorate",
                  "territory", "airport", "valley", "sea", "river", "crossing", "strait", "coast", "island",
                  "islands", "mountains", "lake", "bay", "port"}
# Courtesy titles make a person of what follows whatever the model says ("Ms Amanda Pritchard").
HONORIFICS = {"mr", "mr.", "mrs", "mrs.", "ms", "ms.", "dr", "dr.", "sir", "dame", "prof", "prof.", "mx", "mx."}
# The last word of a company's or body's name; the model calls "Aurora Air" a person.
ORG_DESIGNATORS = {"air", "airlines", "airways", "bank", "group", "holdings", "inc", "inc.", "corp", "corp.",
                   "corporation", "ltd", "ltd.", "plc", "llc", "co", "co.", "motors", "energy", "pharma",
                   "pharmaceuticals", "media", "capital", "partners", "technologies", "systems", "foundation",
                   "institute", "university", "association", "union", "party", "council", "agency", "ministry"}
# What a company is called in apposition ("Nordtek, Europe's largest maker of memory chips").
COMPANY_NOUNS = {"maker", "company", "firm", "group", "carrier", "airline", "bank", "lender", "insurer",
                 "operator", "producer", "supplier", "retailer", "manufacturer", "giant", "startup", "chipmaker",
                 "automaker", "broadcaster", "publisher", "developer", "conglomerate", "subsidiary", "brand",
                 "agency", "newspaper", "channel", "outlet", "daily", "network", "magazine", "station", "party"}
# What a company has ("Nvidia's shares"), said of a name no gazetteer calls a place.
COMPANY_CONTEXT = {"shares", "stock", "market", "revenue", "revenues", "profit", "profits", "earnings", "sales",
                   "shareholders", "investors", "customers", "board", "chief", "ceo", "products"}
# Titles before a name that are not in TITLE_WORDS, so a name is not stretched over them.
MORE_TITLES = {"mp", "mep", "cfo", "coo", "archbishop", "bishop", "cardinal", "rabbi", "imam", "father", "sister",
               "brigadier", "major", "sergeant", "marshal", "coach", "professor", "attorney", "detective",
               "inspector", "superintendent", "constable", "pastor", "reverend", "rev.", "saint", "st."}
BODY_LAST_WORDS = ORG_HEADS | ORG_DESIGNATORS
# "SkyLink": a capital inside a word names a brand, not a place ("McAllen" and the like excepted).
CAMEL_CASE = re.compile(r"^(?!Mc|Mac|De|Di|La|Le|Du|Van|Von|O')[A-Z][a-z]+[A-Z]\w*$")
# Lower-case words inside a person's name ("Mohammed bin Salman", "Ursula von der Leyen").
NAME_PARTICLES = {"bin", "bint", "ibn", "al", "el", "de", "da", "di", "dos", "das", "du", "del", "della",
                  "van", "von", "der", "den", "la", "le", "ben"}
# A place named by what it is ("the southern region of Odesa", "the town of Velyka Novosilka").
PLACE_NOUNS = {"city", "town", "village", "region", "province", "oblast", "district", "county", "port", "capital",
               "island", "settlement", "municipality", "enclave"}
# The last word of a building's or street's name, which the model often calls an organization ("the
# White House"): a place, as the gold standard has it.
BUILDING_WORDS = {"house", "palace", "street", "square", "tower", "building", "hall", "castle", "cathedral",
                  "stadium", "bridge", "avenue"}
WEEKDAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
MONTHS_AND_DAYS = {"january", "february", "march", "april", "may", "june", "july", "august", "september",
                   "october", "november", "december"} | WEEKDAYS
QUOTE_OPENERS = {"“", "\"", "‘", "'"}
KNOWN_NON_ORG_ACRONYMS = {"TV", "AI", "CEO", "GDP", "PM", "AM", "UTC", "GMT", "ID", "OK", "DNA", "COVID", "PDF",
                          "FAQ", "VIP", "UFO", "IT", "HQ", "RIP", "USD", "EUR", "BST", "EST", "CET"}
COUNTRY_ACRONYMS = {"US", "USA", "UK", "UAE", "DRC", "PRC"}
AGENCY_SLUG = re.compile(r"^/([A-Z][A-Za-z-]{1,15})/\.?$")
POSSESSIVE = re.compile(r"(['’‘]s?|['’‘])$")
ACRONYM = re.compile(r"^(?:[A-Z]\.?){2,6}$")
# A body's short form given beside its name: capitals, perhaps a small word's letter ("AfD", "CDU").
SHORT_FORM = re.compile(r"^[A-Z][A-Za-z]{0,4}[A-Z]$")
# Where a short form may follow: a bracket or ", known as".
SHORT_FORM_MARK = re.compile(r"\((?=\s*[A-Z][A-Za-z]{0,4}[A-Z]\s*\))|,(?= known as [A-Z])")
NAME_JOINS = {"of", "for", "and"}
# The plural names of party families, which news uses for a party ("the Greens") and its members ("two
# Greens"): the model calls both a nationality.
PARTY_FAMILIES = {"democrats", "republicans", "conservatives", "liberals", "greens", "socialists", "tories",
                  "communists", "nationalists"}


@dataclass
class Mention:
    """One candidate span: token range, text and the kind we settled on."""

    start: int
    end: int
    text: str
    label: str
    in_body: bool
    kind: EntityKind | None = None
    key: str = ""
    company: bool = False
    """The text calls it a company or outlet ("news agency Xinhua"): no gazetteer makes it a place."""


@dataclass
class EntityFinding:
    """The article's entities and, for the quote stage, which tokens mention which entity."""

    entities: list[Entity]
    token_entity: dict[int, tuple[str, EntityKind]] = field(default_factory=dict)


def find_entities(doc: Doc, body_start_char: int, title_case_ranges: list[tuple[int, int]]) -> EntityFinding:
    """Entities of one parsed article; `title_case_ranges` are headline/subhead character ranges."""
    def in_title_case(char: int) -> bool:
        return any(a <= char < b for a, b in title_case_ranges)

    mentions = [m for m in (_clean(doc, ent, not in_title_case(ent.start_char)) for ent in _split_owners(doc)
                            if ent.label_ in LABEL_KIND or ent.label_ in ("NORP", "PRODUCT")) if m]
    mentions = _owned_bodies(doc, _merge_adjacent_people(doc, _merge_adjacent_orgs(doc, mentions)))
    mentions = _named_with_alias(doc, mentions)
    mentions += _untagged(doc, mentions, in_title_case)
    full_names = _full_names(mentions)
    surname_of = _surname_index(full_names)
    surname_of.update(_short_forms(mentions, surname_of, full_names))
    mentions += _unlabelled_surnames(doc, mentions, surname_of, in_title_case)
    votes = _label_votes(doc, mentions)
    places_in_lists = _coordinated_with_places(doc, mentions)
    for mention in mentions:
        mention.kind = None if _thing_named(doc, mention, surname_of) else \
            _decide_kind(mention, surname_of, votes, places_in_lists)
    body_texts = {m.text for m in mentions if m.in_body and m.kind}
    # A headline's names, in Title Case, only as the body names them too, but for a body's full name,
    # which Title Case cannot fake ("Home Office to house asylum seekers ...").
    kept = [m for m in mentions if m.kind and (m.in_body or m.text in body_texts or m.text in surname_of
                                               or (m.kind == "organization" and " " in m.text
                                                   and doc[m.end - 1].lower_ in ORG_HEADS))]
    _assign_keys(kept, surname_of, doc)
    return _collect(doc, kept)


def _split_owners(doc: Doc) -> list[Span]:
    """The model's entities, with a person the model ran into the name of their employer taken out of
    it: "Al Jazeera’s Rory Challands" is the outlet and its reporter; "the Donetsk Oblast Military
    Administration Vadym Filashkin" the body and its head; a title's last word is no part of a name."""
    spans = []
    for ent in doc.ents:
        if ent.label_ != "PERSON" and len(ent) >= 3 and ent[0].lower_ in TITLE_WORDS and ent[0].text[:1].isupper() \
                and is_given_name(ent[1].text) and all(t.text[:1].isupper() for t in ent[1:]):
            person = doc[ent.start + 1:ent.end]  # "... Secretary of State Mira Holt", the model's "State Mira Holt"
            person.label_ = "PERSON"
            spans.append(person)
            continue
        cut = next((t.i for t in ent[1:-1] if is_given_name(t.nbor().text) and t.nbor().text[:1].isupper()
                    and (t.text in ("'s", "’s") or (t.text[:1].isupper() and t.lower_ in BODY_LAST_WORDS))), None)
        if cut is None or not all(t.text[:1].isupper() for t in doc[cut + 1:ent.end]):
            spans.append(ent)
            continue
        owner = doc[ent.start:cut] if doc[cut].text in ("'s", "’s") else doc[ent.start:cut + 1]
        person = doc[cut + 1:ent.end]
        owner.label_, person.label_ = ent.label_, "PERSON"
        spans += [owner, person]
    return spans


def _clean(doc: Doc, ent: Span, in_body: bool) -> Mention | None:
    start, end = ent.start, _before_weekday(doc, ent.start, _through_hyphens(doc, ent))
    label = ent.label_
    if _dateline_place_end(doc, doc[start]) == end:
        label = "GPE"  # "CAIRO:" opening the body, which the model may call anything
    titled = ent.end - start >= 2 and doc[start].lower_ in HONORIFICS
    if titled or (start > 0 and doc[start - 1].lower_ in HONORIFICS):
        label = "PERSON"
    while start < end and (doc[start].lower_ in {"the", "a", "an"} or
                           (label == "PERSON" and doc[start].lower_ in TITLE_WORDS)):
        if doc[start].text == "The" and gazetteer.is_place(doc[start:end].text):
            break  # "The Hague": the article is part of the name
        start += 1
    while end > start and (doc[end - 1].is_punct or doc[end - 1].lower_ in {"'s", "’s", "'", "’"}):
        end -= 1
    if label == "ORG":
        # "the conservative CDU/CSU bloc", "a House of Councillors budget committee": the name, not what
        # the writer calls it (but "Ministry of foreign affairs" stays whole)
        name_end = end
        while name_end - start >= 2 and doc[name_end - 1].is_lower and doc[name_end - 1].pos_ == "NOUN":
            name_end -= 1
        if name_end < end and not doc[name_end - 1].is_lower:
            end = name_end
    if start >= end:
        return None
    if label in ("NORP", "PRODUCT") and end - start == 1 and doc[start].tag_ == "NNP" and start \
            and doc[start - 1].lower_ == "the" and not _modifies(doc, end):
        label = "ORG"  # "the Bundesrat", "the Taliban": a body, where "the Russians" are a people
    party = _party_start(doc, start, end) if label == "NORP" else None
    if party is not None:  # "the Social Democrats", "the Greens": a party, where "several Democrats" are its members
        start, label = party, "ORG"
    if label == "PRODUCT" or (label == "PERSON" and end - start == 1 and _demonym(doc[start])):
        return None  # "Macron said Romanians had chosen ...": a people, not a person
    if label in ("GPE", "LOC") and end - start == 1 and doc[start].tag_ == "JJ":
        label = "NORP"  # "the southern Ukrainian region": a nationality, which names no place here
    text = POSSESSIVE.sub("", doc[start:end].text).strip()
    if not text or not text[0].isupper() or text.lower() in MONTHS_AND_DAYS or any(c.isdigit() for c in text):
        return None
    if _party_and_state(doc, start):
        return None  # a senator's party and state ("Sen. Rand Paul, R-Ky."), not a place of the story
    if end - start == 1 and doc[start].is_sent_start and (doc[start].pos_ == "NOUN" or (
            label == "LOC" and doc[start].dep_ == "compound" and doc[start].head.is_lower
            and not gazetteer.is_place(text))):
        return None  # a common noun capitalised by its place ("Forecasters warned", "Sea levels have risen")
    if label == "ORG" and end - start >= 2 and end < len(doc) and doc[end].lower_ in PUBLICATION_NOUNS \
            and doc[end - 1].lower_ not in BODY_LAST_WORDS:
        return None  # a publication's title ("its annual State of the Climate report")
    if label in ("ORG", "GPE", "LOC") and (_titled_by_apposition(doc, start, end)
                                          or (end - start >= 2 and _titled_before(doc, start, end))):
        label = "PERSON"  # "Ukraine's defence minister, Rustem Umerov," whatever the model says
    if label in ("ORG", "GPE", "NORP") and end - start == 1 and _heads_an_administration(doc, start, end) \
            and not gazetteer.is_place(text) and not ACRONYM.match(text):
        label = "PERSON"  # "the Trump administration", "the Biden presidency": a president's name
    if label in ("ORG", "GPE") and end - start == 1 and _before_who(doc, end) and not gazetteer.is_place(text):
        label = "PERSON"  # "Ostrova, who attended the meeting", which the model calls a body or a place
    if label in ("PERSON", "ORG") and _after_place_noun(doc, start):
        label = "GPE"  # "the city of Bakhmut"
    if label in ("ORG", "PERSON", "GPE") and end - start >= 2 and doc[end - 1].lower_ in BUILDING_WORDS \
            and doc[end - 1].text[:1].isupper():
        label = "FAC"  # "the White House", "Downing Street"
    described = _described_as_company(doc, start, end) or (label != "PERSON" and _interviewed_by(doc, start)) \
        or (label in ("GPE", "LOC", "FAC") and _posted_on(doc, start, end))
    company = label == "PERSON" and end - start >= 2 and doc[end - 1].lower_ in ORG_DESIGNATORS
    if company or (label in ("GPE", "LOC") and CAMEL_CASE.match(text)) or described:
        label = "ORG"
    if label == "ORG" and (EVENT_WORDS.search(_head_word(text)) or text in KNOWN_NON_ORG_ACRONYMS
                           or (text.lower() in PORTFOLIO_WORDS and _in_a_title(doc, start, end))):
        return None  # "the Munich Security Conference", "AI", "Commerce and Industry Minister"; not "Summit
        # Insights Group", nor "Labor" the party
    if label == "ORG" and end < len(doc) and doc[end].text in ("Minister", "Secretary") \
            and not (ACRONYM.match(doc[start].text.replace(".", "")) or gazetteer.is_place(doc[start].text)):
        return None  # a portfolio in a title ("National Security Minister X"), not a body ("U.S. Treasury Secretary")
    if label in ("ORG", "GPE", "LOC", "FAC") and AGREEMENT_WORDS.search(text) and end - start >= 2:
        return None
    if label != "NORP" and end < len(doc) and doc[end].lower_ in PLACE_SUFFIXES and doc[end].is_lower:
        end, label = end + 1, "LOC"  # "Donetsk region", "Shannon airport"
        text = doc[start:end].text
    elif label in ("GPE", "LOC") and end < len(doc) and doc[end].lower_ in ORG_HEADS and doc[end].is_lower \
            and doc[end].dep_ != "compound" and doc[end].lower_ not in STATE_HEADS:  # not "UK government bond yields"
        end, label = end + 1, "ORG"  # "North America department"
        text = doc[start:end].text
    if label == "ORG" and end - start == 1 and start and doc[start - 1].text in QUOTE_OPENERS \
            and not ACRONYM.match(text):
        return None  # a capitalised first word of a quote ("Suffice to say") is not a name
    return Mention(start, end, text, label, in_body, company=described)


PERSON_TITLE_HEADS = {"minister", "secretary", "president", "spokesman", "spokeswoman", "spokesperson", "chief", "head",
                      "leader", "ambassador", "envoy", "governor", "mayor", "senator", "general", "commander",
                      "chairman", "chairwoman", "director", "adviser", "advisor", "premier", "chancellor",
                      "treasurer", "attorney", "advocate", "coach", "manager"}
# Title words and titles' heads as one set, built once: it is tested for many tokens.
ANY_TITLE_WORDS = TITLE_WORDS | PERSON_TITLE_HEADS


def _titled_by_apposition(doc: Doc, start: int, end: int) -> bool:
    """A name in apposition to a person's title, before it ("the defence minister, Rustem Umerov,") or
    after it ("Rustem Umerov, the defence minister,")."""
    head = doc[end - 1]
    if head.dep_ == "appos" and head.head.i < start and head.head.lower_ in PERSON_TITLE_HEADS:
        return True
    return any(c.dep_ == "appos" and c.i >= end and c.lower_ in PERSON_TITLE_HEADS for c in head.children)


def _modifies(doc: Doc, end: int) -> bool:
    """Whether a word ending at `end` modifies what follows it ("the Soviet-era KGB", "the Soviet Union")."""
    return end < len(doc) and (doc[end].pos_ in ("NOUN", "PROPN", "ADJ") or doc[end].text in ("-", "–"))


def _titled_before(doc: Doc, start: int, end: int) -> bool:
    """"regional governor Oleh Kiper": a person's title right before a name whose first word is a given name."""
    return start > 0 and doc[start - 1].lower_ in PERSON_TITLE_HEADS and is_given_name(doc[start].text) \
        and all(token.text[:1].isupper() for token in doc[start:end])


def _after_place_noun(doc: Doc, start: int) -> bool:
    """Whether a name follows what it names: "the southern region of Odesa", "the town of Pokrovsk"."""
    return start >= 2 and doc[start - 1].lower_ == "of" and doc[start - 2].lower_ in PLACE_NOUNS \
        and doc[start - 2].is_lower


def _before_weekday(doc: Doc, start: int, end: int) -> int:
    """The end of a name the model ran on into a day ("the Commons on Monday")."""
    for i in range(start + 1, end - 1):
        if doc[i].lower_ in ("on", "by", "until", "since") and doc[i + 1].lower_ in WEEKDAYS:
            return i
    return end


def _described_as_company(doc: Doc, start: int, end: int) -> bool:
    """"Shares in Nordtek", "Nordtek, Europe's largest maker of memory chips", "state news agency
    Xinhua": a company or outlet, whatever the model says."""
    if start >= 2 and doc[start - 2].lower_ in ("shares", "stock") and doc[start - 1].lower_ in ("in", "of"):
        return True
    if _before_shares(doc, end) and not gazetteer.is_place(doc[start:end].text):
        return True  # "Rosneft and Gazprom shares rose"
    if start >= 1 and doc[start - 1].is_lower and doc[start - 1].lower_ in COMPANY_NOUNS:
        return True
    if end + 1 < len(doc) and doc[end].text in ("'s", "’s") and doc[end + 1].lower_ in COMPANY_CONTEXT \
            and not gazetteer.is_place(doc[start:end].text) \
            and not (end - start > 1 and is_given_name(doc[start].text)):
        return True  # "Nvidia's market value", not "China's market" nor "Vladimir Putin's chief envoy"
    if _reports_results(doc, end) and not doc[start:end].text.isupper() and not gazetteer.is_place(doc[start:end].text):
        return True  # "Nvidia reported first-quarter revenue of ..."
    return any(c.dep_ == "appos" and c.lower_ in COMPANY_NOUNS and c.i >= end for c in doc[end - 1].children)


def _reports_results(doc: Doc, end: int) -> bool:
    """Whether the name ending at `end` reports or forecasts a company's figures ("Nordtek forecast
    second-quarter revenue above estimates")."""
    name = doc[end - 1]
    verb = name.head
    return name.dep_ == "nsubj" and verb.lower_ in RESULTS_VERBS \
        and any(c.dep_ == "dobj" and c.lower_ in COMPANY_CONTEXT for c in verb.children)


def _before_shares(doc: Doc, end: int) -> bool:
    """Whether names from `end` run on to "shares" ("Rosneft and Gazprom shares", "Tesla stock"; not the
    verb: "Putin shares that view")."""
    index = end
    while index < len(doc) and index - end < 5 and (doc[index].text in (",", "and", "&")
                                                    or doc[index].text[:1].isupper()):
        index += 1
    return index < len(doc) and doc[index].lower_ in ("shares", "stock") and doc[index].pos_ == "NOUN"


def _interviewed_by(doc: Doc, start: int) -> bool:
    """"in an interview with Le Figaro": a name after "interview with" that is not a person's is an outlet."""
    return start >= 2 and doc[start - 1].lower_ == "with" and doc[start - 2].lower_ in ("interview", "interviews")


def _posted_on(doc: Doc, start: int, end: int) -> bool:
    """"responded on Truth Social", "in a post on Threads": a platform someone writes on, not a place (a
    gazetteer's place stays one: "said on Crimea")."""
    if start < 2 or doc[start - 1].lower_ != "on" or gazetteer.is_place(doc[start:end].text):
        return False
    return doc[start - 2].lower_ in PLATFORM_CUES


def _on_a_platform(doc: Doc, index: int) -> bool:
    """Whether a one-letter name is a platform someone writes on ("wrote on X:", "said in a post on X
    that"): a letter alone is otherwise no name."""
    after = doc[index + 1].text if index + 1 < len(doc) else ""
    return index >= 2 and doc[index - 1].lower_ == "on" and after not in ("-", ".", "&") \
        and doc[index - 2].lower_ in PLATFORM_CUES | SPEECH_ON_PLATFORM


def _through_hyphens(doc: Doc, ent: Span) -> int:
    """The end of a name joined by hyphens to a capitalised word the model left out ("Emilia-Romagna"),
    unless that word is a name of its own ("Russia-Ukraine talks")."""
    end = ent.end
    while end + 1 < len(doc) and doc[end].text in ("-", "–") and not doc[end - 1].whitespace_ \
            and not doc[end].whitespace_ and doc[end + 1].text[:1].isupper() and doc[end + 1].ent_iob_ != "B" \
            and not doc[end + 1].ent_type_ and not gazetteer.is_place(doc[end + 1].text):
        end += 2
    return end


def _untagged(doc: Doc, mentions: list[Mention], in_title_case: Callable[[int], bool]) -> list[Mention]:
    """Names the model left out: "Kursk region" (a name before a place word), a name after a courtesy
    title or a person's title ("Ms Amanda Pritchard", "Defense Minister Rustem Umerov"), a place
    after what it is ("the region of Odesa"), a street or building ("Downing Street") and acronyms ("G7")."""
    covered = _covered(mentions)
    found = []
    for token in doc:
        if token.i in covered:
            continue
        # Every name below starts with a capital or a wire's slash, or follows a title word in lower case
        # ("regional governor Oleh Kiper"): most words are passed over here (this loop runs for every token).
        initial = token.text[:1]
        if not (initial.isupper() or initial == "/" or token.lower_ in PERSON_TITLE_HEADS) \
                or in_title_case(token.idx):
            continue
        nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
        dateline_end = _dateline_place_end(doc, token)
        if dateline_end:
            found.append(Mention(token.i, dateline_end, doc[token.i:dateline_end].text, "GPE", True))
            covered.update(range(token.i, dateline_end))
        elif nxt is not None and ((token.lower_ in HONORIFICS and token.text[:1].isupper())
                                  or (token.lower_ in PERSON_TITLE_HEADS and is_given_name(nxt.text))):
            end = _proper_run(doc, token.i + 1, covered, 3)
            # a courtesy title may stand before a surname alone ("Ms Okoye"), a title before a full name
            if end > token.i + (1 if token.lower_ in HONORIFICS else 2):
                found.append(Mention(token.i + 1, end, doc[token.i + 1:end].text, "PERSON", True))
                covered.update(range(token.i + 1, end))
        elif token.pos_ == "PROPN" and token.text[:1].isupper() and nxt is not None and nxt.i not in covered \
                and nxt.lower_ in BUILDING_WORDS and nxt.text[:1].isupper() and token.lower_ not in MONTHS_AND_DAYS:
            found.append(Mention(token.i, token.i + 2, doc[token.i:token.i + 2].text, "FAC", True))  # "Downing Street"
            covered.update((token.i, token.i + 1))
        elif token.pos_ == "PROPN" and token.text[:1].isupper() and _after_place_noun(doc, token.i):
            end = _proper_run(doc, token.i, covered, 3)
            found.append(Mention(token.i, end, doc[token.i:end].text, "GPE", True))
            covered.update(range(token.i, end))
        elif token.pos_ == "PROPN" and token.text[:1].isupper() and nxt is not None and nxt.i not in covered \
                and nxt.lower_ in PLACE_SUFFIXES and token.lower_ not in MONTHS_AND_DAYS:
            found.append(Mention(token.i, token.i + 2, doc[token.i:token.i + 2].text, "LOC", True))  # "Donetsk Oblast"
            covered.update((token.i, token.i + 1))
        elif token.pos_ == "PROPN" and token.text[:1].isupper() and _titled_by_apposition(doc, token.i, token.i + 1) \
                and not _party_and_state(doc, token.i) and not gazetteer.is_place(token.text):
            start = token.i  # "Roman Mrochko, head of the city administration," with nothing tagged but "Roman"
            while start > 0 and _untitled_name_word(doc[start - 1]) and doc[start - 1].head.i == token.i:
                start -= 1
            found.append(Mention(start, token.i + 1, doc[start:token.i + 1].text, "PERSON", True))
            covered.update(range(start, token.i + 1))
        elif token.pos_ == "PROPN" and token.text[:1].isupper() and _before_who(doc, token.i + 1):
            found.append(Mention(token.i, token.i + 1, token.text, "PERSON", True))  # "Okafor, who attended"
        elif token.pos_ == "PROPN" and token.text[:1].isupper() and not token.is_sent_start and len(token) > 2 \
                and not _capitalised(doc, token.i - 1) and not _capitalised(doc, token.i + 1) \
                and token.lower_ not in MONTHS_AND_DAYS and not _party_and_state(doc, token.i) \
                and gazetteer.is_place(token.text):
            found.append(Mention(token.i, token.i + 1, token.text, "GPE", True))  # "would stand by Kyiv"
        elif token.pos_ == "PROPN" and initial.isupper() and (_before_shares(doc, token.i + 1)
                                                              or _reports_results(doc, token.i + 1)) \
                and token.lower_ not in MONTHS_AND_DAYS and not gazetteer.is_place(token.text):
            found.append(Mention(token.i, token.i + 1, token.text, "ORG", True, company=True))  # "Gazprom shares"
        elif token.lower_ in PARTY_FAMILIES and (party := _party_start(doc, token.i, token.i + 1)) is not None \
                and party == token.i:  # "the Conservatives", untagged
            found.append(Mention(token.i, token.i + 1, token.text, "ORG", True, company=True))
        elif len(token.text) == 1 and token.is_upper and _on_a_platform(doc, token.i):
            found.append(Mention(token.i, token.i + 1, token.text, "ORG", True, company=True))  # "wrote on X"
        elif slug := AGENCY_SLUG.match(token.text):  # a wire's slug after the dateline: "MOSCOW, March 6. /TASS/."
            found.append(Mention(token.i, token.i + 1, slug.group(1), "ORG", True))
        elif re.fullmatch(r"[A-Z][A-Z0-9]{1,4}", token.text) and token.text not in KNOWN_NON_ORG_ACRONYMS \
                and not doc[max(0, token.i - 1)].text.isupper() \
                and not (nxt is not None and nxt.lower_ in EVENT_NOUNS):  # "the COP30 summit" is an event
            label = "GPE" if token.text in COUNTRY_ACRONYMS else "ORG"
            found.append(Mention(token.i, token.i + 1, token.text, label, True))
    return found


def _party_start(doc: Doc, start: int, end: int) -> int | None:
    """Where a party's name ending at `end` starts, if the words up to `end` name one as news does: "the"
    and a party family's name in the plural ("the Conservatives", "the Liberal Democrats"); else None."""
    if doc[end - 1].lower_ not in PARTY_FAMILIES or not all(t.text[:1].isupper() for t in doc[start:end]):
        return None
    while start > 1 and doc[start - 1].text[:1].isupper() and doc[start - 1].is_alpha and end - start < 3 \
            and doc[start - 1].lower_ != "the":
        start -= 1  # "Liberal" before "Democrats", which the model left out
    return start if start > 0 and doc[start - 1].lower_ == "the" else None


def _covered(mentions: list[Mention]) -> set[int]:
    """The tokens some mention already covers."""
    return {i for m in mentions for i in range(m.start, m.end)}


def _party_and_state(doc: Doc, start: int) -> bool:
    """Whether a name is the state of a member's party and state ("Rep. Mike Turner, R-Ohio")."""
    return start >= 2 and doc[start - 1].text == "-" and doc[start - 2].text in ("R", "D", "I")


def _heads_an_administration(doc: Doc, start: int, end: int) -> bool:
    """Whether a name stands between "the" and "administration" or "presidency" ("the Trump
    administration’s bid"): a president, whom the model often calls an organization."""
    return start > 0 and doc[start - 1].lower_ == "the" and end < len(doc) \
        and doc[end].lower_ in ("administration", "presidency") and doc[start].text[:1].isupper()


def _before_who(doc: Doc, end: int) -> bool:
    """Whether a name is followed by ", who": someone ("Ostrova, who attended the talks")."""
    return end + 1 < len(doc) and doc[end].text == "," and doc[end + 1].lower_ == "who"


def _capitalised(doc: Doc, index: int) -> bool:
    return 0 <= index < len(doc) and doc[index].text[:1].isupper()


def _proper_run(doc: Doc, start: int, covered: set[int], most: int) -> int:
    """The end of the capitalised proper nouns from `start` that no mention covers, at most `most` of them."""
    end = start
    while end < len(doc) and end - start < most and doc[end].pos_ == "PROPN" and doc[end].text[:1].isupper() \
            and end not in covered:
        end += 1
    return end


def _dateline_place_end(doc: Doc, token: Token) -> int:
    """A dateline's city in capitals at the start of a paragraph ("NEW YORK (AP) —", "PARIS, March 3"):
    the end of its tokens, or 0."""
    if not (token.is_upper and token.is_alpha):
        return 0  # most words, tested first: this runs for every token
    if token.i and "\n\n" not in doc[token.i - 1].text and "\n\n" not in doc[token.i - 1].whitespace_:
        return 0
    end = token.i
    while end < len(doc) and end - token.i < 4 and doc[end].is_alpha and doc[end].is_upper and len(doc[end]) > 1:
        end += 1
    if end == token.i or end >= len(doc) or doc[end].text not in ("(", ",", ":", "—", "–", "-"):
        return 0
    return end if len(doc[token.i:end].text) > 3 else 0


def _merge_adjacent_orgs(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """"Russian" + "Foreign Ministry" is one organization: a nationality before a body's name; so is
    "State Emergency Service of" + "Ukraine", a body's name the model cut before its place, and "Agency
    for" + "Rural Development", one it cut in two."""
    by_end = {m.end: m for m in mentions if m.label in ("NORP", "GPE")}
    merged = []
    absorbed = set()
    by_start = {m.start: m for m in mentions if m.label in ("GPE", "LOC", "ORG")}
    for mention in mentions:
        after = by_start.get(mention.end)
        joined = after is not None and doc[mention.end - 1].lower_ in NAME_JOINS
        if after is None and mention.end < len(doc) and doc[mention.end].lower_ in ("of", "for"):
            after = by_start.get(mention.end + 1)  # "the Agency" + "for" + "Rural Development"
            joined = after is not None and after.label == "ORG"
        if mention.label == "ORG" and after is not None and joined:
            absorbed.add(id(after))  # "The State Emergency Service of" + "Ukraine"
            mention = Mention(mention.start, after.end, doc[mention.start:after.end].text, "ORG", mention.in_body)
        before = by_end.get(mention.start)
        if mention.label == "ORG" and before and doc[mention.end - 1].lower_ in ORG_HEADS:
            absorbed.add(id(before))
            mention = Mention(before.start, mention.end, doc[before.start:mention.end].text, "ORG",
                              mention.in_body)
        merged.append(mention)
    return [m for m in merged if id(m) not in absorbed]


def _named_with_alias(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """A body named with its short form, in brackets or "known as" ("the far-right Alternative for
    Northland (AfN)", "the Social Democrats (SDP)", "the Grain Union, known as GU,"), is an organization
    whatever the model made of its words (a nationality, a place and nothing), and so is its short form."""
    named: list[Mention] = []
    # Found in the text first: a walk over every token took a tenth of the rules' time.
    marks = (doc.char_span(m.start(), m.start() + 1) for m in SHORT_FORM_MARK.finditer(doc.text))
    for token in (span[0] for span in marks if span is not None):
        alias = _alias_at(doc, token.i)
        if alias is None or not doc[token.i - 1].text[:1].isupper():
            continue
        start = token.i - 1  # the capitalised words before it, with "of", "for" and "and" between them
        while start > 0 and token.i - start < 6 and _in_a_name(doc, start - 1):
            start -= 1
        if doc[start].lower_ in ("the", "a", "an"):
            start += 1
        inside = [m for m in mentions if m.start < token.i and start < m.end]
        if any(m.label in ("GPE", "LOC", "FAC") and (m.start, m.end) == (start, token.i) for m in inside) \
                or any(m.label == "PERSON" for m in inside) or doc[start:token.i].text.isupper():
            continue  # "Donald Trump (R)" is a person, "the Democratic Republic of Congo (DRC)" a country,
            # a dateline's "NEW YORK (AP)" a city and an agency
        mentions = [m for m in mentions if m not in inside and not (m.start <= alias < m.end)]
        in_body = not any(not m.in_body for m in inside)
        named += [Mention(start, token.i, doc[start:token.i].text, "ORG", in_body),
                  Mention(alias, alias + 1, doc[alias].text, "ORG", in_body)]
    return sorted(mentions + named, key=lambda m: m.start) if named else mentions


def _in_a_name(doc: Doc, index: int) -> bool:
    """Whether the word at `index` may be part of a body's name: a capitalised word, or "of", "for" or
    "and" after one."""
    word = doc[index]
    if word.lower_ in NAME_JOINS:
        return index > 0 and doc[index - 1].text[:1].isupper()
    return word.text[:1].isupper() and word.is_alpha


def _alias_at(doc: Doc, index: int) -> int | None:
    """The index of a short form given at `index`: "(AfN)" or ", known as GU", else None."""
    if index < 1 or index + 2 >= len(doc):
        return None
    if doc[index].text == "(" and doc[index + 2].text == ")" and SHORT_FORM.match(doc[index + 1].text):
        return index + 1
    if doc[index].text == "," and index + 3 < len(doc) and doc[index + 1].lower_ == "known" \
            and doc[index + 2].lower_ == "as" and SHORT_FORM.match(doc[index + 3].text):
        return index + 3
    return None


def _owned_bodies(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """The mentions, and a place's civil body named in lower case, as an organization beside the place:
    "Russia’s central bank", "Sumy region’s military administration", "the Kherson city military
    administration" (as the gold standard lists them; not its armed forces, nor a lone "government",
    which stands for the place)."""
    covered = _covered(mentions)
    bodies = []
    for mention in mentions:
        if not (mention.label in ("GPE", "LOC") or gazetteer.is_place(mention.text)) or mention.end + 1 >= len(doc):
            continue
        # "Russia’s central bank", or "the Kherson city military administration" with no apostrophe
        owned = doc[mention.end].text in ("'s", "’s")
        after = mention.end + 1 if owned else mention.end
        if owned or (mention.start > 0 and doc[mention.start - 1].lower_ == "the"):
            words = itertools.takewhile(lambda t: t.is_lower and t.is_alpha and t.i not in covered,
                                        doc[after:after + 4])
            heads = [t.i for t in words if t.lower_ in OWNED_BODY_HEADS]
            if heads and not (heads[-1] == after and doc[heads[-1]].lower_ in STATE_HEADS):
                end = heads[-1] + 1
                bodies.append(Mention(mention.start, end, doc[mention.start:end].text, "ORG", mention.in_body))
    return mentions + bodies


def _merge_adjacent_people(doc: Doc, mentions: list[Mention]) -> list[Mention]:
    """"Mohammed bin Abdulrahman" + "Al Thani", split by the model at a particle or left untagged
    after it: one name."""
    merged: list[Mention] = []
    for mention in sorted(mentions, key=lambda m: m.start):
        start, end = mention.start, mention.end
        while mention.label == "PERSON" and mention.in_body and start > 0 and end - start < 4 \
                and _untitled_name_word(doc[start - 1]):
            start -= 1  # "Sophia" before "Lin Lakin"
        if start < mention.start:
            mention = Mention(start, end, doc[start:end].text, "PERSON", True)
        while mention.label == "PERSON" and mention.in_body and end < len(doc) and end - mention.start < 6 \
                and _name_goes_on(doc, end):
            end += 1
        if end > mention.end:
            mention = Mention(mention.start, end, doc[mention.start:end].text, "PERSON", True)
        last = merged[-1] if merged else None
        if last is not None and mention.start < last.end:
            continue  # taken into the name before it ("Leyen" after "Ursula von der")
        # "Ursula von der" + "Leyen", which the model tagged a place: a name never ends on a particle
        after_particle = last is not None and last.label == "PERSON" and doc[last.end - 1].lower_ in NAME_PARTICLES
        if last and (last.label == mention.label == "PERSON" or after_particle) and last.end == mention.start \
                and last.in_body == mention.in_body:
            merged[-1] = Mention(last.start, mention.end, doc[last.start:mention.end].text, "PERSON", last.in_body)
        else:
            merged.append(mention)
    return merged


def _name_goes_on(doc: Doc, index: int) -> bool:
    """Whether the word at `index` continues the name before it: a capitalised word the model left
    untagged ("Al Thani" after "Mohammed bin Abdulrahman"), a particle before a capitalised word, or
    whatever capitalised word follows a particle ("Leyen", tagged a place, after "Ursula von der")."""
    word = doc[index]
    if word.lower_ in NAME_PARTICLES:
        return index + 1 < len(doc) and doc[index + 1].text[:1].isupper()
    if not word.text[:1].isupper() or not word.is_alpha:
        return False
    return doc[index - 1].lower_ in NAME_PARTICLES or \
        (word.pos_ == "PROPN" and not word.ent_type_ and not word.is_sent_start)


def _untitled_name_word(token: Token) -> bool:
    """A given name the model left out of a name: not a title ("Councillor", "Judge"), a courtesy title
    or a name of its own."""
    lower = token.lower_
    # a given name the model took for a nationality counts too ("Roman" before "Mrochko")
    return token.pos_ == "PROPN" and token.text[:1].isupper() and not token.text.isupper() \
        and token.ent_type_ in ("", "NORP") and lower not in TITLE_WORDS and lower not in HONORIFICS \
        and lower not in MORE_TITLES and lower.rstrip(".") not in TITLE_WORDS and is_given_name(token.text)


# Nouns a surname commonly modifies ("the Trump administration", "the Biden campaign").
PEOPLE_CONTEXT = {"administration", "government", "campaign", "family", "era", "presidency", "team", "camp",
                  "aide", "aides", "allies", "cabinet", "doctrine", "plan", "speech", "visit", "trial", "case",
                  "foundation", "estate", "supporters", "loyalists", "interview", "meeting", "call"}


def _thing_named(doc: Doc, m: Mention, surname_of: dict[str, str]) -> bool:
    """A lone name the model calls a person that only modifies a thing ("a third Patriot battery",
    "Taurus missiles"), in an article that never introduces anyone by it."""
    token = doc[m.start]
    return m.label == "PERSON" and m.end - m.start == 1 and m.text not in surname_of \
        and token.dep_ == "compound" and token.head.pos_ == "NOUN" and token.head.is_lower \
        and token.head.lower_ not in PEOPLE_CONTEXT


def _full_names(mentions: list[Mention]) -> list[str]:
    names = []
    for m in mentions:
        words = m.text.split()
        capitalised = words[0][0].isupper() and words[-1][0].isupper() and \
            all(w[0].isupper() or w in NAME_PARTICLES for w in words)
        if m.label == "PERSON" and m.in_body and 2 <= len(words) <= 5 and capitalised:
            names.append(m.text)
    return names


def _surname_index(full_names: list[str]) -> dict[str, str]:
    index: dict[str, str] = {}
    for name in full_names:
        index.setdefault(name, name)
        index.setdefault(name.split()[-1], name)
    return index


def _short_forms(mentions: list[Mention], surname_of: dict[str, str], full_names: list[str]) -> dict[str, str]:
    """One word for a person the article introduced in full: another transliteration of the surname
    ("Zelensky" after "Volodymyr Zelenskyy"), or, when the model calls it a person, the first word of
    one full name (family names first: "Wang" after "Wang Yi", "Xi" after "Xi Jinping")."""
    by_key = {spelling_key(word): name for word, name in surname_of.items() if " " not in word}
    by_first: dict[str, set[str]] = {}
    for name in full_names:
        by_first.setdefault(name.split()[0], set()).add(name)
    found = {}
    for m in mentions:
        if " " in m.text or m.text in surname_of:
            continue
        if spelling_key(m.text) in by_key:
            found[m.text] = by_key[spelling_key(m.text)]
        elif m.label == "PERSON" and len(by_first.get(m.text, ())) == 1:
            found[m.text] = next(iter(by_first[m.text]))
    return found


def _unlabelled_surnames(doc: Doc, mentions: list[Mention], surname_of: dict[str, str],
                         in_title_case: Callable[[int], bool]) -> list[Mention]:
    """Surnames the model missed or mislabelled inside a longer span ("Putin Warns")."""
    covered = _covered(mentions)
    extra = []
    for token in doc:
        word = POSSESSIVE.sub("", token.text)
        if token.i not in covered and word in surname_of and word[:1].isupper():
            extra.append(Mention(token.i, token.i + 1, word, "PERSON", True))
    for m in mentions:  # a Title Case span such as "Putin Warns" that contains a known surname
        if m.text not in surname_of and m.label == "PERSON" and not m.in_body:
            for i in range(m.start, m.end):
                word = POSSESSIVE.sub("", doc[i].text)
                if word in surname_of:
                    extra.append(Mention(i, i + 1, word, "PERSON", True))
    return extra


def _label_votes(doc: Doc, mentions: list[Mention]) -> dict[str, Counter[str]]:
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for m in mentions:
        votes[m.text][m.label] += 1
        if m.end - m.start == 1 and (doc[m.start].pos_ == "ADJ" or doc[m.start].dep_ == "amod"):
            votes["__adjectives__"][m.text] += 1  # "Russian and US teams": a nationality, not a place
    return votes


def _coordinated_with_places(doc: Doc, mentions: list[Mention]) -> set[str]:
    """Names listed together with places ("Donbas, Kherson, and Crimea") are places too."""
    place_heads = {m.end - 1 for m in mentions if m.label in ("GPE", "LOC")}
    found = set()
    for m in mentions:
        head = doc[m.end - 1]
        neighbours = {t.i for t in head.conjuncts}
        if neighbours & place_heads and len(m.text.split()) == 1:
            found.add(m.text)
    return found


def _decide_kind(m: Mention, surname_of: dict[str, str], votes: dict[str, Counter[str]],
                 places_in_lists: set[str]) -> EntityKind | None:
    if m.text in surname_of:
        return "person"
    if m.company:
        return "organization"
    single = len(m.text.split()) == 1
    if m.label == "NORP":
        if votes[m.text]["ORG"]:  # "The Social Democrats said", after "the Social Democrats (SDP)"
            return "organization"
        return "place" if m.text in places_in_lists and m.text not in votes.get("__adjectives__", {}) else None
    if single and m.label in ("PERSON", "ORG") and not ACRONYM.match(m.text):
        counted = votes[m.text]
        if gazetteer.is_place(m.text) or m.text in places_in_lists or counted["GPE"] + counted["LOC"] > 0:
            return "place"
        if m.label == "PERSON" and counted["ORG"] > counted["PERSON"]:
            return "organization"
        if m.label == "ORG" and counted["PERSON"] > counted["ORG"]:
            return "person"  # a headline's "Court lets Harmon ...", where the body calls Harmon a person
    words = m.text.split()
    if m.label == "ORG" and len(words) in (2, 3) and is_given_name(words[0]) \
            and votes[words[-1]]["PERSON"] > votes[words[-1]]["ORG"]:
        return "person"  # "Vladimir Putin’s chief envoy", an organization to the model, where "Putin" is a person
    return LABEL_KIND[m.label]


def _demonym(token: Token) -> bool:
    """Whether a plural proper noun names the people of a place ("Romanians", "Israelis", "Germans")."""
    word = token.text
    if token.tag_ != "NNPS" or not word.endswith("s"):
        return False
    stems = {word[:-2], word[:-1] + "y", word[:-4] + "e", word[:-3] + "a", word[:-1]}
    return any(gazetteer.is_place(stem) for stem in stems if len(stem) > 3)


def _in_a_title(doc: Doc, start: int, end: int) -> bool:
    """Whether the words from `start` to `end` are part of a title: before a title word, perhaps with more
    portfolios between ("Commerce and Industry Minister"), or after "Secretary of"."""
    index = end
    while index < len(doc) and (doc[index].lower_ in ("and", ",", "&") or doc[index].lower_ in PORTFOLIO_WORDS):
        index += 1
    if index < len(doc) and doc[index].text[:1].isupper() and doc[index].lower_ in ANY_TITLE_WORDS:
        return True
    return start >= 2 and doc[start - 1].lower_ == "of" and doc[start - 2].lower_ in ANY_TITLE_WORDS


def _head_word(name: str) -> str:
    """The word a name is of: "Commission" of "European Commission", "Agency" of "Agency for Rural
    Development", "Forum" of "Forum of Future Technologies"."""
    return re.split(r" (?:of|for) ", name)[0].split()[-1]


def _normal(text: str) -> str:
    return text.replace(".", "").replace("’", "'").casefold()


def _initials(text: str) -> str:
    words = [w for w in re.split(r"[\s-]+", text) if w and w[0].isupper()]
    return "".join(w[0] for w in words) if len(words) >= 2 else ""


def _assign_keys(mentions: list[Mention], surname_of: dict[str, str], doc: Doc) -> None:
    aliases = _defined_acronyms(doc, mentions)
    named = [m for m in mentions if m.kind and m.kind != "person"]
    long_names: dict[str, str] = {}
    for m in named:
        if len(m.text.split()) >= 2:
            long_names.setdefault(_initials(m.text).casefold(), _normal(m.text))
    longer = sorted({_normal(m.text) for m in named}, key=len, reverse=True)
    body_names = sorted({_normal(m.text) for m in named if m.kind == "organization" and " " in m.text})
    for m in mentions:
        if m.kind == "person":
            m.key = "person:" + surname_of.get(m.text, m.text)
            continue
        normal = aliases.get(_normal(m.text), _normal(m.text))
        if ACRONYM.match(m.text.replace(".", "")):
            normal = long_names.get(normal, normal)
        # "US State Department" and "State Department": a place or nationality prefix names the same body
        normal = next((other for other in longer if other.endswith(" " + normal) and len(normal.split()) >= 2
                       and len(other.split()) - len(normal.split()) == 1), normal)
        # "the Fisheries Commission ... the Commission said", "the Bank of Northland ... the Bank": a body's
        # head word alone, when no other body named in the article has that head
        if m.kind == "organization" and " " not in normal and not ACRONYM.match(m.text):
            bodies = [other for other in body_names if _head_word(other) == normal]
            normal = bodies[0] if len(bodies) == 1 else normal
        # "Kursk" and "the Kursk region": one place, as the gold standard has it
        if m.kind == "place":
            normal = next((other for other in longer if other.startswith(normal + " ")
                           and other.split()[-1] in PLACE_SUFFIXES and len(other.split()) == len(normal.split()) + 1),
                          normal)
        m.key = "named:" + normal


def _defined_acronyms(doc: Doc, mentions: list[Mention]) -> dict[str, str]:
    """"Federal Security Service (FSB)", "the Grain Union, known as GU,": the short form names the entity
    before it."""
    aliases = {}
    for m in mentions:
        if len(m.text.split()) < 2 or m.text.isupper():
            continue  # a dateline's "WASHINGTON (AP)" names the agency, not the city
        alias = _alias_at(doc, m.end)
        if alias is not None:
            aliases[_normal(doc[alias].text)] = _normal(m.text)
        elif m.end + 2 < len(doc) and doc[m.end].text == "(" and doc[m.end + 2].text == ")":
            acronym = doc[m.end + 1].text
            if ACRONYM.match(acronym.replace(".", "")):
                aliases[_normal(acronym)] = _normal(m.text)
    return aliases


def _collect(doc: Doc, mentions: list[Mention]) -> EntityFinding:
    groups: dict[str, list[Mention]] = defaultdict(list)
    for m in mentions:
        groups[m.key].append(m)
    entities = []
    token_entity: dict[int, tuple[str, EntityKind]] = {}
    for group in groups.values():
        counts = Counter(m.kind for m in group if m.kind)
        kind = max(counts, key=lambda k: (counts[k], k == "place", k))
        name = max((m.text for m in group), key=lambda t: (len(t.split()), len(t), not t.isupper(), t))
        if kind == "place" and name.isupper() and len(name) > 3:
            name = name.title()  # a dateline's "WASHINGTON" when the body never names the city again
        role = _role(doc, group, name) if kind == "person" else None
        forms = tuple(sorted({m.text for m in group}))
        entities.append(Entity(name=name, kind=kind, mentions=forms, role=role))
        for m in group:
            for i in range(m.start, m.end):
                token_entity[i] = (name, kind)
    entities.sort(key=lambda e: (e.kind, e.name))
    return EntityFinding(entities, token_entity)


ROLE_DEPS = {"compound", "amod", "nmod", "poss", "case", "nummod"}


def _role(doc: Doc, group: list[Mention], name: str) -> str | None:
    """The title before the first full mention ("Russian President"), or an appositive after it."""
    for m in sorted(group, key=lambda m: m.start):
        if m.text != name:
            continue
        start = m.start
        while start > 0 and _is_role_token(doc[start - 1], m):
            start -= 1
        start = _title_of_body(doc, start) if start < m.start else start
        while start < m.start and start > 0 and doc[start - 1].text[:1].isupper() \
                and doc[start - 1].lower_ in ANY_TITLE_WORDS:
            start -= 1  # "Deputy Assistant" before "Secretary of State"
        if start < m.start and not all(t.lower_ in HONORIFICS for t in doc[start:m.start]):
            return _tidy_role(doc[start:m.start].text)
        appositive = _appositive(doc, m)
        if appositive:
            return appositive
    return None


def _title_of_body(doc: Doc, start: int) -> int:
    """Where a title naming its body begins: "Head of the" before "Donetsk Oblast Military Administration"."""
    at = start - 1 if start > 0 and doc[start - 1].lower_ == "the" else start
    if at >= 2 and doc[at - 1].lower_ == "of" and doc[at - 2].lower_ in ANY_TITLE_WORDS:
        return at - 2
    return start


def _is_role_token(token: Token, m: Mention) -> bool:
    if token.text in ("-", "–"):  # "Secretary-General", not a dash opening a paragraph ("–Putin said")
        return token.i > 0 and not token.whitespace_ and not token.nbor(-1).whitespace_ and token.nbor(-1).is_alpha
    if token.is_punct and token.text not in {"’s", "'s"}:
        return False
    if token.pos_ in ("DET", "VERB", "AUX", "ADP", "PRON", "CCONJ", "SCONJ", "ADV") and token.text not in {"’s", "'s"}:
        return False
    if token.dep_ == "case" or token.text in {"’s", "'s"}:
        return True
    if token.i == m.start - 1 and token.text[:1].isupper() and token.lower_ in ANY_TITLE_WORDS:
        return True  # "Chancellor Rachel Reeves", whatever the parser made of the title
    return token.i < m.start and (m.start <= token.head.i < m.end or token.head.i < m.start) and \
        token.dep_ in ROLE_DEPS


def _appositive(doc: Doc, m: Mention) -> str | None:
    head = doc[m.end - 1]
    # Every appositive child, as the model splits "co-chair of ..." into three
    appositives = [c for c in head.children if c.dep_ == "appos" and c.pos_ == "NOUN" and c.i >= m.end]
    if appositives:
        words = [t.i for child in appositives for t in child.subtree if t.i >= m.end]
        return _tidy_role(doc[min(words):max(words) + 1].text)
    if head.dep_ == "appos" and head.head.pos_ in ("NOUN", "PROPN") and head.head.i < m.start:
        title = head.head  # "Labour's shadow health secretary, Wes Streeting,"
        first = min(t.i for t in title.subtree if t.i <= title.i)
        return _tidy_role(doc[first:title.i + 1].text)
    return None


def _tidy_role(role: str) -> str | None:
    role = re.sub(r"^(the|a|an|his|her|its|their)\s+", "", role.strip(" ,-–"), flags=re.IGNORECASE)
    while role.split() and role.split()[-1].lower() in HONORIFICS:  # "Liberal Democrat leader Sir Ed Davey"
        role = role.rsplit(maxsplit=1)[0] if " " in role else ""
    if POSSESSIVE.search(role):
        return None  # "Al Jazeera’s Rory Challands": whose, not what
    return role if role and len(role.split()) <= 10 else None
