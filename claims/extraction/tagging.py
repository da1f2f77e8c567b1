"""Tags and entity labels for extracted claims, by rules: offline, no model, no gazetteer download.

Tags say what kind of check a claim needs (a reviewer filters the queue by them):

- ``quote``: an attributed statement: words in quotation marks, or "said",
  "told", "according to" ... anywhere in the claim's sentence (the attribution
  of a sentence covers every claim split out of it);
- ``number``: a number or statistic (digits or number words; a year that is
  only part of a date does not count);
- ``date``: a date or dated event (a resolved date, or a date phrase);
- ``comparison``: a comparison or superlative ("first", "largest", "more than",
  "-est", "highest", "record");
- ``causal``: a cause and its effect ("because", "due to", "led to", "caused"),
  again from the whole sentence, since splitting puts cause and effect apart.

Entity labels: ``PERSON``, ``ORG``, ``PLACE``, ``DATE``, or ``NAME`` for a
capitalised name whose kind the rules cannot tell. The engine's name learner
already knows people (a role title before the name, or a short form of a
known person); here the other names are classified: an organisation word
("Ministry", "Agency", "Party", "Inc", "University", "Council" ...) -> ORG; a
place word ("Korea", "Republic", "River" ...), a country name, or a name after
"in/to/from/at/near" -> PLACE; a name followed by "said"/"told" or ", who" ->
PERSON. A label once found sticks for the rest of the article.

Nothing here changes a claim's wording or spans: tags and labels are read off
text the engine has already cut. Every function takes the text with HTML masked
(``segment.mask_markup``), so attribute quotes never read as a quotation.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .types import Entity, ResolvedDate

# --- tags -----------------------------------------------------------------

_ATTRIBUTION = re.compile(
    r"\b(?:said|says|saying|told|tells|telling|(?i:according\s+to)|stated|claimed|insisted|quoted|quoting|wrote|"
    r"(?:he|she|they|it|[A-Z][a-z]+)\s+added|in\s+a\s+statement|in\s+an\s+interview)\b",
)
_QUOTED = re.compile(r"“([^“”]{1,1000})”|\"([^\"]{1,1000})\"|‘([^‘’]{1,1000})’|(?<!\w)'([^']{1,1000})'(?!\w)")
_DANGLING_QUOTE = re.compile(r"^\W{0,3}[“\"]\s*\w|\w[.,!?]?[”\"]\W{0,3}$")
# "the two countries" refers back to things already named; "two countries" counts them.
_NUMBER_WORD = re.compile(
    r"(?<![Tt]he )(?<!these )(?<!those )\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fifteen|twenty|thirty|forty|fifty|"
    r"sixty|seventy|eighty|ninety|hundreds?|thousands?|millions?|billions?|trillions?|dozens?|percent|per\s+cent)\b",
    re.I,
)
_DIGIT = re.compile(r"(?<![A-Za-z])(?<![A-Za-z]-)\d")
_DATE_PHRASE = re.compile(
    r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|April|June|July|August|"
    r"September|October|November|December|yesterday|(?:last|next|this)\s+(?:week|month|year|spring|summer|autumn|winter)|"
    r"(?:1[6-9]|20)\d\d(?:s)?)\b|\b(?:May|March)\s+\d",
)
_SUPERLATIVE_EST = re.compile(
    r"\b(?:the|its|his|her|their|our|[a-z]+[’']s|(?:second|third|fourth|fifth)[- ])\s*([a-z]{2,}est)\b|\b([a-z]{2,}est)[- ]ever\b",
    re.I,
)
_NOT_SUPERLATIVE = {
    "interest", "west", "rest", "test", "latest", "forest", "protest", "request", "suggest", "arrest", "harvest",
    "honest", "modest", "contest", "digest", "invest", "manifest", "nest", "guest", "chest", "quest", "conquest",
    "behest", "earnest", "priest", "crest", "pest", "unrest", "inquest", "midwest", "southwest", "northwest",
    "lest", "zest", "vest", "attest", "detest", "jest", "infest", "ingest", "dishonest", "pretest", "retest",
    "bequest", "tempest", "everest",
}
_COMPARISON = re.compile(
    r"\b(?:more|less|fewer)\s+than\b|\b(?!rather\b|other\b)[a-z]+er\s+than\b|\bcompared\s+(?:with|to)\b|"
    r"\btwice\s+as\b|\b(?:doubled|tripled|halved)\b|\bunprecedented\b|\ball[- ]time\b|"
    r"\b(?:the|its|his|her|their|our|[a-z]+[’']s)\s+(?:most|least|best|worst)\b|\b(?:best|worst)[- ]\w+ing\b|"
    r"\bfirst\b(?!\s+(?:of\s+all|quarter|half|round|leg|stage|phase|day|week|month|step|reading|name)\b)|"
    r"\brecord(?:[- ](?:high|low|breaking|levels?|numbers?))?\b",
    re.I,
)
_NOT_RECORD = re.compile(r"\b(?:on|off)\s+(?:the\s+)?record\b|\b(?:criminal|track|medical|public)\s+records?\b", re.I)
_CAUSAL = re.compile(
    r"\b(?:because|due\s+to|owing\s+to|thanks\s+to|as\s+a\s+(?:result|consequence)|(?:led|leads|leading)\s+to|"
    r"caused|causes|causing|cause\s+of|result(?:ed|s|ing)?\s+(?:in|of)|triggered|sparked|therefore|consequently|"
    r"contributed\s+to|blamed\s+.{1,40}?\s+(?:for|on))\b",
    re.I,
)


def sentence_tags(sentence: str) -> frozenset[str]:
    """Tags that hold for every claim of the sentence: ``quote`` and ``causal``."""
    tags = set()
    if _ATTRIBUTION.search(sentence) or _is_quoted(sentence):
        tags.add("quote")
    if _CAUSAL.search(sentence):
        tags.add("causal")
    return frozenset(tags)


def _is_quoted(sentence: str) -> bool:
    for match in _QUOTED.finditer(sentence):
        inside = next(g for g in match.groups() if g is not None)
        if len(inside.split()) >= 3:  # one or two words in quotes are scare quotes or a title, not a statement
            return True
    # A quotation running over several sentences opens in one and closes in another.
    stripped = sentence.strip()
    return stripped.count("“") != stripped.count("”") or (stripped.count('"') % 2 == 1 and bool(_DANGLING_QUOTE.search(stripped)))


def claim_tags(source: str, dates: tuple[ResolvedDate, ...] | list[ResolvedDate], *, offset: int,
               inherited: frozenset[str] = frozenset()) -> set[str]:
    """Tags of one claim: ``source`` is its span as written (markup masked), starting at ``offset`` in the article."""
    tags = set(inherited)
    in_date = [(d.start - offset, d.end - offset) for d in dates]
    if any(not any(s <= m.start() < e for s, e in in_date) for m in _DIGIT.finditer(source)) or _NUMBER_WORD.search(source):
        tags.add("number")
    if dates or _DATE_PHRASE.search(source):
        tags.add("date")
    if _is_comparison(source):
        tags.add("comparison")
    return tags


def _is_comparison(text: str) -> bool:
    for match in _COMPARISON.finditer(text):
        if match.group(0).lower().startswith("record") and _NOT_RECORD.search(text):
            continue
        return True
    return any((m.group(1) or m.group(2)).lower() not in _NOT_SUPERLATIVE for m in _SUPERLATIVE_EST.finditer(text))


# --- entities ---------------------------------------------------------------

_ORG_WORDS = {
    "Ministry", "Agency", "Party", "Inc", "Corp", "Corporation", "Ltd", "LLC", "Plc", "Group", "Company", "University",
    "College", "School", "Council", "Committee", "Commission", "Court", "Bank", "Department", "Institute",
    "Foundation", "Association", "Federation", "Union", "Nations", "Organisation", "Organization", "Parliament",
    "Assembly", "Congress", "Senate", "Police", "Army", "Navy", "Forces", "Times", "Post", "News", "Service",
    "Authority", "Board", "Office", "Bureau", "Fund", "Reserve", "Exchange", "Club", "Society", "Network", "Airlines",
    "Motors", "Technologies", "Systems", "Press", "Media", "Television", "Radio", "Cabinet", "Government",
    "Administration", "Alliance", "Coalition", "Movement", "Front", "Trust", "Hospital", "Museum", "Academy",
    "Church", "League", "Institution", "Holdings", "Industries", "Labs", "Laboratory", "Ministries", "Secretariat",
    "Guard", "Directorate", "Tribunal", "Centre", "Center", "Programme", "Program", "Bros", "Airways", "Partners",
    "Capital", "Energy", "House", "Pharmaceuticals", "Brewery", "Studios", "Records", "Foods", "Stores",
}
_PLACE_WORDS = {
    "Korea", "States", "Kingdom", "Republic", "Emirates", "Island", "Islands", "City", "County", "Province", "Region",
    "Sea", "Ocean", "River", "Lake", "Mountains", "Mountain", "Valley", "Street", "Avenue", "Road", "Square", "Gulf",
    "Peninsula", "Coast", "Strait", "Bay", "Desert", "Oblast", "Territory", "Territories", "Town", "Village",
    "District", "Prefecture", "Cosmodrome", "Airport", "Port", "Bridge", "Park", "Palace", "Hill",
}
# Country and continent names: the few words a name rule cannot tell from a person's name.
_PLACES = set("""
Afghanistan Albania Algeria Andorra Angola Argentina Armenia Australia Austria Azerbaijan Bahamas Bahrain Bangladesh
Barbados Belarus Belgium Belize Benin Bhutan Bolivia Bosnia Botswana Brazil Brunei Bulgaria Burundi Cambodia Cameroon
Canada Chad Chile China Colombia Comoros Congo Croatia Cuba Cyprus Czechia Denmark Djibouti Dominica Ecuador Egypt
Eritrea Estonia Eswatini Ethiopia Fiji Finland France Gabon Gambia Georgia Germany Ghana Greece Grenada Guatemala
Guinea Guyana Haiti Honduras Hungary Iceland India Indonesia Iran Iraq Ireland Israel Italy Jamaica Japan Jordan
Kazakhstan Kenya Kiribati Kosovo Kuwait Kyrgyzstan Laos Latvia Lebanon Lesotho Liberia Libya Liechtenstein Lithuania
Luxembourg Madagascar Malawi Malaysia Maldives Mali Malta Mauritania Mauritius Mexico Micronesia Moldova Monaco
Mongolia Montenegro Morocco Mozambique Myanmar Namibia Nauru Nepal Netherlands Nicaragua Niger Nigeria Norway Oman
Pakistan Palau Palestine Panama Paraguay Peru Philippines Poland Portugal Qatar Romania Russia Rwanda Samoa Senegal
Serbia Seychelles Singapore Slovakia Slovenia Somalia Spain Sudan Suriname Sweden Switzerland Syria Taiwan
Tajikistan Tanzania Thailand Togo Tonga Tunisia Turkey Turkmenistan Tuvalu Uganda Ukraine Uruguay Uzbekistan Vanuatu
Venezuela Vietnam Yemen Zambia Zimbabwe Europe Asia Africa America Antarctica Oceania Britain England Scotland Wales
Crimea Gaza Donbas Tibet Macau Kashmir Siberia Arctic
""".split()) | {"Hong Kong", "Sri Lanka", "New Zealand", "South Africa", "Saudi Arabia", "Costa Rica", "El Salvador",
                 "Puerto Rico", "Sierra Leone", "Burkina Faso", "North Macedonia", "West Bank", "Middle East"}
_PLACE_ACRONYMS = {"US", "USA", "UK", "UAE", "DPRK", "PRC", "USSR", "ROK", "DRC", "U.S.", "U.K.", "U.S.A.", "E.U."}
_NOT_ORG_ACRONYMS = {
    "I", "II", "III", "IV", "VI", "VII", "VIII", "IX", "XI", "XII", "GDP", "CEO", "CFO", "CTO", "TV", "PM", "AM", "UTC",
    "GMT", "AI", "DNA", "RNA", "HIV", "AIDS", "COVID", "ICBM", "ICBMs", "OK", "ID", "PR", "IT", "PhD", "MP", "MPs",
    "VAT", "GPS", "PDF", "USB", "LGBT", "LGBTQ", "CO", "EV", "EVs", "IQ", "IPO", "SUV", "TB", "GP", "GPs", "A", "Q",
}
_ACRONYM = re.compile(r"(?<![\w.])(?:[A-Z]\.){2,3}(?![\w])|(?<![\w.-])[A-Z][A-Z0-9&]{1,5}s?(?![\w-])")
_ORG_OF = re.compile(
    r"\b(?:[A-Z][a-z]+\s+){0,3}(?:Ministry|University|Bank|Department|Council|Court|Commission|Institute|Office|Bureau|"
    r"Agency|Academy|Board|League|Organi[sz]ation|Federation|Association|Union|Party|Committee|Parliament|Assembly|"
    r"Museum|College|Fund|Church)\s+(?:of|for)\s+(?:the\s+)?[A-Z][a-z]+(?:\s+(?:and\s+)?[A-Z][a-z]+){0,4}"
)
# "to"/"from" only after a verb of movement: "sold to Google" is not a place.
_PLACE_BEFORE = re.compile(
    r"\b(?:in|near|across|throughout|outside|inside|visited|visiting|(?:moved|travell?ed|flew|went|came|returned|"
    r"arrived|relocated|fled|headed|deported|trip|journey|visit|flights?|road|border)\s+(?:to|from|with))\s+(?:the\s+)?$"
)
_DATE_NAME = re.compile(r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|April|June|July|"
                        r"August|September|October|November|December)")
_PERSON_AFTER = re.compile(r"^\s*(?:,\s*(?:who|\d{1,3},)|,?\s+(?:said|says|told|added|wrote|insisted|argued)\b)")
# "in Chinese policy": a nationality adjective before a noun, not a place.
_DEMONYM = re.compile(r"^[A-Z][a-z]+(?:ese|ian|ean|ish|an|ic|i)\s+[a-z]")
_ACCORDING = re.compile(r"\baccording\s+to\s+(?:the\s+)?$", re.I)


@dataclass
class EntityMemory:
    """Labels already given in this article: "Pyongyang" after "in" is a place in later sentences too."""

    labels: dict[str, str] = field(default_factory=dict)
    surnames: set[str] = field(default_factory=set)  # last words of people's names

    def remember(self, text: str, label: str) -> None:
        words = text.split()
        self.labels.setdefault(" ".join(words), label)
        if label == "PERSON":
            self.surnames.add(words[-1])

    def relabel(self, entities: tuple[Entity, ...]) -> tuple[Entity, ...]:
        """NAMEs the rest of the article has labelled since: "Alan Greenspan" before "Mr Greenspan said"."""
        out = []
        for entity in entities:
            if entity.label == "NAME":
                words = entity.text.split()
                label = self.labels.get(" ".join(words)) or ("PERSON" if len(words) >= 2 and words[-1] in self.surnames
                                                             and not _org_or_place(words) else "")
                if label:
                    entity = Entity(text=entity.text, label=label, start=entity.start, end=entity.end)
            out.append(entity)
        return tuple(out)


def label_entities(sentence: str, masked: str, offset: int, names: list[Entity], dates: list[ResolvedDate],
                   memory: EntityMemory) -> list[Entity]:
    """The sentence's entities with labels, sorted by position; offsets into the article.

    ``sentence`` is the sentence as written, starting at ``offset`` in the article, ``masked`` the
    same with markup masked (the rules read that); ``names`` are the name learner's finds (PERSON or
    NAME), ``dates`` the resolved dates. Every entity's text is the article's text at its offsets.
    """
    found: list[Entity] = []
    taken: list[tuple[int, int]] = []

    def add(start: int, end: int, label: str) -> None:
        if end <= start or any(s < end and start < e for s, e in taken):
            return
        taken.append((start, end))
        text = sentence[start - offset : end - offset]
        found.append(Entity(text=text, label=label, start=start, end=end))
        if label != "NAME":
            memory.remember(text, label)

    for date in dates:
        add(date.start, date.end, "DATE")
    for match in _ORG_OF.finditer(masked):
        start = match.start() + (4 if match.group(0).startswith("The ") else 0)
        add(offset + start, offset + match.end(), "ORG")
    for name in names:
        end = name.end - (len(name.text) - len(name.text.rstrip("-")))  # "Covid-" of "Covid-19"
        if end > name.start:
            name = Entity(text=name.text[: end - name.start], label=name.label, start=name.start, end=end)
            label = _name_label(masked, offset, name, memory)
            if label == "NAME" and " " not in name.text and _opens(masked, name.start - offset):
                continue  # "Officials said ...": any word is capitalised at the start of a sentence
            add(name.start, name.end, label)
    for match in _ACRONYM.finditer(masked):
        word = match.group(0)
        if word in _NOT_ORG_ACRONYMS or _in_capitals_run(masked, match.start(), match.end()):
            continue
        label = "PLACE" if word.rstrip("s") in _PLACE_ACRONYMS or word in _PLACE_ACRONYMS else memory.labels.get(word, "ORG")
        add(offset + match.start(), offset + match.end(), label)
    return sorted(found, key=lambda e: e.start)


def _name_label(sentence: str, offset: int, name: Entity, memory: EntityMemory) -> str:
    words = name.text.split()
    key = " ".join(words)
    if _DATE_NAME.fullmatch(key):
        return "DATE"  # a weekday or month the date resolver could not anchor (no publication date)
    kind = _org_or_place(words)
    if kind:
        return kind
    if name.label == "PERSON":
        return "PERSON"
    if key in memory.labels:
        return memory.labels[key]
    before = sentence[: name.start - offset]
    after = sentence[name.end - offset :]
    if _PLACE_BEFORE.search(before) and not _ACCORDING.search(before) and not _DEMONYM.match(key + after):
        return "PLACE"
    if len(words) >= 2 and _PERSON_AFTER.match(after):
        return "PERSON"
    return "NAME"


def _org_or_place(words: list[str]) -> str:
    if any(w.rstrip(".") in _ORG_WORDS for w in words):
        return "ORG"
    if " ".join(words) in _PLACES or words[-1] in _PLACE_WORDS:
        return "PLACE"
    return ""


def _opens(sentence: str, at: int) -> bool:
    return not re.search(r"[^\W_]", sentence[:at])


def _in_capitals_run(sentence: str, start: int, end: int) -> bool:
    """An all-capitals headline ("BREAKING NEWS FROM MOSCOW") is not a row of acronyms."""
    before = re.search(r"[A-Z]{2,}\s+$", sentence[:start])
    after = re.match(r"\s+[A-Z]{2,}\b", sentence[end:])
    return bool(before or after)
