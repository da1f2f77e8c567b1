"""The extraction engine: sentences -> atomic parts -> decontextualized, scored claims.

Stages (each in its own module, all plain Python):

1. ``segment.sentences``: exact sentence spans (HTML masked, lists and
   headings kept apart, quotations kept whole);
2. ``split.split``: atomic parts of each sentence, each with its own span;
3. decontextualization (here): pronouns and short names resolved to the full
   name seen earlier in the article ("He" -> "Sergey Lavrov", "Kim" ->
   "Kim Jong Un"), relative dates anchored to ``published_at``;
4. scoring: ``checkworthiness.score`` on the normalized wording, then the
   not-a-claim rules below (opinion, prediction, speculation, interpretation,
   meta-commentary), which cap the score and say why;
5. tags and entity labels (``tagging``), read off the finished claims.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from . import checkworthiness
from .dates import anchor, find_dates
from .segment import mask_markup, sentences
from .split import is_verb, split
from .tagging import EntityMemory, claim_tags, label_entities, sentence_tags
from .types import Entity, ExtractedClaim

MAX_CHARS = 2_000_000  # longer input is cut here: a claim list for a book helps no one

_NOT_CLAIM = [
    ("meta-commentary", re.compile(r"\b(?:this|the) (?:new |original )?(?:article|report|piece|story)\b|\b(?:will|we) explore\b", re.I)),
    ("speculation", re.compile(r"\b(?:is|are|was|were) (?:seen|viewed|regarded|considered) as\b|\b(?:appears?|seems?) to\b|\bperhaps\b|\bpossibly\b", re.I)),
    ("prediction", re.compile(r"\b(?:is|are) (?:expected|likely|set|poised) to\b|\bwill (?:likely |probably )?(?!be held\b)\w+|\bgoing to\b", re.I)),
    ("interpretation", re.compile(
        r"\b(?:highlights|underscores|demonstrates|showcases|signals|solidifies|symbolizes|reflects|illustrates|"
        r"builds upon|builds on|paves the way|marks a new|sends a message)\b", re.I)),
    ("opinion", re.compile(r"\b(?:I|we) (?:think|believe|feel)\b|\bin (?:my|our) (?:view|opinion)\b|\bshould\b|\bought to\b|\bhopefully\b", re.I)),
    ("question", re.compile(r"\?\s*[\"'”’]?\s*$")),
]
_ROLE = re.compile(
    r"\b(?:President|Minister|Secretary|leader|Leader|Chancellor|Premier|King|Queen|Prince|Senator|Sen\.|Gen\.|General|"
    r"Governor|Mayor|Justice|Judge|Dr\.|Mr\.|Mrs\.|Ms\.|spokesman|spokeswoman|chief|CEO|chairman|Ambassador|Pope)\s+$"
)
_NAME = re.compile(r"\b[A-Z][a-z-]+(?:\s+(?:[A-Z]\.\s*)?[A-Z][a-z-]+){0,7}\b")
_PRONOUN = re.compile(r"^(He|She)\b")
_STOP_NAMES = {"The", "This", "That", "These", "Those", "It", "He", "She", "They", "We", "In", "On", "At", "During",
               "After", "Before", "Although", "While", "Additionally", "However", "Therefore", "But", "And", "A", "An",
               "His", "Her", "Their", "Its", "If", "When", "As", "For", "From", "With", "Despite", "Since", "Until"}


def fingerprint(text: str) -> str:
    """Same claim, same fingerprint: case, punctuation and spacing do not matter."""
    norm = unicodedata.normalize("NFKC", text).lower()
    return hashlib.sha256(" ".join(re.findall(r"[^\W_]+", norm)).encode("utf-8")).hexdigest()[:32]


@dataclass
class _Context:
    """What the article has said so far: full names of people, and the last person in subject position."""

    people: dict[str, str] = field(default_factory=dict)  # short form -> full name, people only (for pronouns)
    names: dict[str, str] = field(default_factory=dict)  # short form -> full name, any multi-word name
    last_person: str = ""

    def learn(self, sentence: str, offset: int) -> list[Entity]:
        entities = []
        for match in _NAME.finditer(sentence):
            tokens = list(re.finditer(r"\S+", match.group(0)))
            first = 1 if tokens and tokens[0].group(0) in _STOP_NAMES else 0
            # "Russian Foreign Minister Sergey Lavrov": the name is what follows the last role word.
            roles = [i for i, t in enumerate(tokens) if i >= first and _ROLE.search(t.group(0) + " ")]
            if roles:
                first = roles[-1] + 1
            if first >= len(tokens):
                continue
            words = [t.group(0) for t in tokens[first:]]
            local = tokens[first].start()
            name = " ".join(words)  # normalized spacing for lookups
            before = sentence[: match.start() + local]
            person = bool(_ROLE.search(before)) or name in self.people.values()
            if len(words) >= 2 and not words[-1].endswith(("Korea", "States", "Kingdom", "Nations", "Union")):
                for short in (words[0], words[-1]):
                    # Short forms of people's names win over other names that share a word.
                    if person or short not in self.names:
                        self.names[short] = name
                    if person:
                        self.people.setdefault(short, name)
            label = "PERSON" if person or name in self.people else "NAME"
            start = offset + match.start() + local
            end = offset + match.end()
            entities.append(Entity(text=sentence[start - offset : end - offset], label=label, start=start, end=end))
        return entities

    def subject_person(self, text: str) -> None:
        head = re.match(r"(?:[A-Z][\w’'-]*\s+){0,4}[A-Z][\w’'-]*", _strip_intro(text))
        if head:
            name = head.group(0).replace("’s", "").replace("'s", "")
            full = self.full_name(name.split()[-1]) or (name if name in self.people.values() else "")
            if full:
                self.last_person = full

    def full_name(self, word: str) -> str:
        return self.people.get(word, "")

    def resolve(self, text: str) -> str:
        """Pronoun at the start -> the last person in subject position; first short name -> full name."""
        if self.last_person:
            text = _PRONOUN.sub(self.last_person, text, count=1)
        done: set[str] = set()

        def expand(match: re.Match) -> str:
            word = match.group(0)
            full = self.names.get(word)
            if not full or word in done or full in text:
                return word
            done.add(word)
            return full

        return re.sub(r"(?<![A-Z][a-z]\s)\b[A-Z][a-z-]+\b(?!\s+[A-Z])", expand, text)


def _strip_intro(text: str) -> str:
    return re.sub(r"^(?:(?:In|On|During|After|Before|By|Since)\b[^,]{0,40},\s*)", "", text)


def _not_a_claim(text: str) -> tuple[str, str]:
    for label, pattern in _NOT_CLAIM:
        match = pattern.search(text)
        if match:
            return label, match.group(0)
    return "", ""


def extract(text: str, published_at: datetime | None = None, language: str = "en") -> list[ExtractedClaim]:
    """Candidate claims of ``text``; ``text[c.start:c.end] == c.source_text`` for every claim."""
    if not text or not text.strip():
        return []
    text = text[:MAX_CHARS]
    context = _Context()
    drafts = []  # (start, end, normalized, entities, dates)
    shared_tags: dict[tuple[int, int], frozenset[str]] = {}  # part span -> tags of its whole sentence
    memory = EntityMemory()
    lead_in, lead_end = "", -1
    for sentence in sentences(text):
        entities = context.learn(sentence.text, sentence.start)
        if sentence.text.rstrip().endswith(":") and len(sentence.text) < 200:
            # "The four female presidents were:" introduces the list items that follow; it is not a claim itself.
            lead_in, lead_end = sentence.text.strip(), sentence.end
            continue
        if lead_in and "\n\n" in text[lead_end : sentence.start]:
            lead_in = ""
        if lead_in:
            lead_end = sentence.end
        masked = mask_markup(sentence.text)
        dates = find_dates(masked, published_at, offset=sentence.start)
        entities = label_entities(sentence.text, masked, sentence.start, entities, dates, memory)
        in_sentence = sentence_tags(masked)
        for part in split(sentence.text):
            start, end = sentence.start + part.start, sentence.start + part.end
            own = [d for d in dates if start <= d.start and d.end <= end]
            inherited = [d for d in dates if part.borrowed and d.end <= start and d.text in part.borrowed]
            wording = context.resolve(part.text)
            item = _list_item(wording)
            if item:
                # "Intellilink: a tool for linking data" states "Intellilink is a tool for linking data";
                # under "Mondeca's tools include:" the name alone also states membership of the list.
                name, wording = item
                at = text.find(name, start, end)
                if lead_in and at >= 0 and re.search(r"\b(?:include|includes|included|are|were)\s*:$", lead_in):
                    drafts.append((at, at + len(name), _finish_clause(f"{lead_in[:-1].rstrip()} {name}"),
                                   tuple(e for e in entities if at <= e.start < at + len(name)), ()))
            elif lead_in:
                wording = f"{lead_in} {wording}"
            if published_at is not None:
                wording = _anchor_in(wording, own + inherited)
            part_entities = tuple(e for e in entities if start <= e.start < end)
            shared_tags.setdefault((start, end), in_sentence)
            drafts.append((start, end, wording, part_entities, tuple(inherited + own)))
        context.subject_person(sentence.text)

    presupposed = _presupposed_events(text, drafts, context)
    drafts += presupposed
    presupposed_spans = {(d[0], d[1]) for d in presupposed}
    scores = checkworthiness.score([d[2] for d in drafts]) if drafts else []
    claims: list[ExtractedClaim] = []
    seen: set[tuple[int, int]] = set()
    for (start, end, wording, entities, dates), value in zip(drafts, scores):
        if (start, end) in seen:
            continue
        seen.add((start, end))
        source = text[start:end]
        label, cue = _not_a_claim(source)
        if label:
            value = min(value, 0.15)
            reason = f"not a claim ({label}: '{cue}')"
        else:
            reason = checkworthiness.explain(wording, value)
            if (start, end) in presupposed_spans:
                reason = f"presupposed by an interpretive sentence; {reason}"
        if language != "en":
            reason = f"language {language!r} is not supported: scored as English; {reason}"
        tags = claim_tags(mask_markup(source), dates, offset=start, inherited=shared_tags.get((start, end), frozenset()))
        entities = memory.relabel(entities)
        tags = tuple(sorted(tags | ({label} if label else set())))
        claims.append(
            ExtractedClaim(
                start=start,
                end=end,
                source_text=source,
                text=wording,
                score=round(float(value), 3),
                checkworthy=bool(value >= checkworthiness.THRESHOLD and language == "en" and not label),
                reason=reason,
                tags=tags,
                entities=entities,
                dates=dates,
                fingerprint=fingerprint(wording),
            )
        )
    return claims


_EVENT_NP = re.compile(r"\b[A-Z][a-z-]+[’']s\s+[a-z]+(?:ance|ence|ment|ion|al|ure)\s+of\b")


def _presupposed_events(text: str, drafts: list, context: _Context) -> list:
    """An interpretive sentence can still presuppose a fact in its subject:
    "Putin's acceptance of Kim's invitation ... showcases the potential ..." states that Putin accepted.
    The subject noun phrase becomes a claim of its own (the interpretation stays out)."""
    extra = []
    for start, end, _wording, entities, dates in drafts:
        source = text[start:end]
        label, cue = _not_a_claim(source)
        if label != "interpretation":
            continue
        subject_end = source.find(cue)
        lead = re.match(r"(?:[A-Z][a-z]+,\s*)", source)  # "Additionally, "
        subject_start = lead.end() if lead else 0
        subject = source[subject_start:subject_end].rstrip()
        if len(subject.split()) >= 4 and _EVENT_NP.search(subject):
            s, e = start + subject_start, start + subject_start + len(subject)
            wording = _as_clause(context.resolve(subject[:1].upper() + subject[1:]))
            extra.append((s, e, wording + ".", tuple(x for x in entities if s <= x.start < e), dates))
    return extra


# Event nouns and the past tense they stand for: "Putin's acceptance of the invitation" states "Putin accepted the invitation".
_EVENT_VERBS = {
    "acceptance": "accepted", "announcement": "announced", "appointment": "appointed", "approval": "approved",
    "arrival": "arrived in", "departure": "departed from", "dismissal": "dismissed", "election": "was elected to",
    "endorsement": "endorsed", "invasion": "invaded", "nomination": "nominated", "occupation": "occupied",
    "purchase": "purchased", "rejection": "rejected", "refusal": "refused", "removal": "removed",
    "resignation": "resigned from", "signature": "signed", "withdrawal": "withdrew from", "adoption": "adopted",
    "acquisition": "acquired", "ratification": "ratified", "recognition": "recognised", "suspension": "suspended",
}
_EVENT_CLAUSE = re.compile(r"^(?P<who>.+?)[’']s\s+(?P<noun>[a-z]+)\s+of\s+(?P<what>.+)$", re.S)


def _as_clause(phrase: str) -> str:
    """Restate a nominalized event as the sentence it presupposes; other phrases stay as they are."""
    match = _EVENT_CLAUSE.match(phrase)
    verb = _EVENT_VERBS.get(match["noun"]) if match else None
    return f"{match['who']} {verb} {match['what']}" if verb else phrase


_ITEM_NAME = (r"(?:[“\"][^”\"]{1,80}[”\"]|[A-Z][\w'’.&-]*(?:\s+(?:[A-Z][\w'’.&-]*|of|de|van|von|the|and|&)){0,7})"
              r"(?:\s+\([^)]{1,40}\))?")
_LIST_ITEM = re.compile(rf"^(?P<name>{_ITEM_NAME})\s*(?::|\s[-–—])\s+(?P<rest>\S.*)$", re.S)
_PARTICIPLES = {"born", "known", "founded", "written", "made", "built", "given", "chosen", "taken", "held", "led",
                "won", "sold", "shown", "drawn", "grown", "thrown", "sworn", "begun", "done", "seen", "set"}


def _list_item(wording: str) -> tuple[str, str] | None:
    """A list item "Name: a description" / "Name - appointed by X" restated as a sentence about Name."""
    match = _LIST_ITEM.match(wording)
    if not match:
        return None
    name, rest = match["name"].strip(), match["rest"].rstrip()
    first = rest.split()[0].lower().strip(",")
    if first in {"a", "an", "the", "one"}:
        clause = f"{name} is {rest}"
    elif re.match(r"this is\s", rest, re.I):
        clause = f"{name} is {rest[8:]}"
    elif first in _PARTICIPLES or (first.endswith("ed") and is_verb(first)):
        clause = f"{name} was {rest}"
    else:
        return None
    return name, _finish_clause(clause)


def _finish_clause(text: str) -> str:
    text = " ".join(text.split())
    return text if text[-1:] in ".!?\"”'’)" else f"{text}."


def _anchor_in(wording: str, dates) -> str:
    """Anchor each year-less date phrase where it appears in the normalized wording."""
    for date in dates:
        if re.search(r"\b(?:1[6-9]|20)\d\d\b", date.text):
            continue
        position = wording.find(date.text)
        if position < 0:
            continue
        shifted = type(date)(text=date.text, start=position, end=position + len(date.text), value=date.value, precision=date.precision)
        wording = anchor(wording, [shifted])
    return wording
