"""Atomic splitting: one claim per checkable fact, each with its own span.

Rules over words (no parser, no model), in this order:

1. A leading concessive clause ("Although X, Y" / "While X, Y") and a
   trailing causal one ("X because Y", "X, so Y") become separate parts.
2. A non-restrictive relative clause that carries a fact ("Barack Obama, who
   served two terms, ...") becomes its own part about its antecedent.
3. Coordinated predicates ("Shoigu visited North Korea ... and was invited to
   a parade") split at "and" / ", and" / "but" when a finite verb follows; the
   second part borrows the sentence's subject. Coordinated clauses (", and
   the economy grew") split likewise, keeping their own subject.
4. A participle tail (", making it easy ...") becomes a part about the subject.
5. A heading before a colon ("Best Paper Award 2017: X received ...") is dropped.
6. Examples after "such as" / "including" at the end stand in for the category
   they exemplify ("caused by several factors, such as diet" -> "caused by
   diet"); a "such as" aside in the middle becomes "A is one of the <category>"
   and the sentence is read without it.
7. Listed objects ("focuses on A, B, and C") and coordinated objects with
   articles ("a victory for X and a setback for Y") give one part per item.

Every part keeps the span of its own words in the article; the borrowed
subject goes only into the normalized wording.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

_AUX = {
    "is", "are", "was", "were", "be", "been", "has", "have", "had", "will", "would", "can", "could", "may", "might",
    "shall", "should", "must", "did", "does", "do",
}
_IRREGULAR = {
    "met", "won", "lost", "made", "took", "gave", "became", "began", "led", "left", "said", "told", "saw", "went",
    "came", "held", "built", "ran", "grew", "fell", "rose", "wrote", "spent", "brought", "bought", "found", "got",
    "kept", "paid", "sent", "sold", "stood", "thought", "won", "drew", "struck", "hit", "put", "set", "cut", "shut",
    "beat", "broke", "chose", "drove", "flew", "forgot", "froze", "hid", "knew", "lay", "meant", "rode", "rang",
    "sang", "sat", "slept", "spoke", "stole", "swam", "threw", "understood", "woke", "wore", "fought", "taught",
    "caught", "sought", "dealt", "felt", "heard", "lit", "overtook", "withdrew", "became", "remains", "remained",
    "serves", "uses", "allows", "makes", "provides", "includes", "has", "produces", "requires", "means", "shows",
    "offers", "leads", "holds", "gives", "takes", "plays", "contains", "supports", "helps", "creates", "becomes",
    "owns", "runs", "lives", "works", "seems", "appears", "consists", "involves", "reduces", "increases", "affects",
    "include",
}
_ADVERBS = {"also", "then", "later", "previously", "still", "now", "subsequently", "eventually", "currently", "often",
            "recently", "once", "never", "already", "finally", "again", "even", "further", "not", "thus"}
_NOT_VERBS_ED = {"need", "united", "red", "bed", "seed", "feed", "speed", "hundred", "shed", "bred", "sacred", "wicked",
                 "naked", "beloved", "aged", "related", "based", "advanced", "limited", "detailed", "skilled"}
_DISCOURSE = re.compile(
    r"^(?:therefore|additionally|however|moreover|furthermore|meanwhile|also|in addition|in fact|as a result|"
    r"for example|for instance|overall|in short|indeed|notably|similarly|consequently|so)\s*,\s*",
    re.I,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d[\d,.]*%?|\S")
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "his", "her", "its", "their", "our", "my", "it",
                "he", "she", "they", "we", "i", "you", "there"}
_SUBORDINATE_START = re.compile(r"^(?:although|though|while|whereas|even though|despite the fact that|because)\s+", re.I)
_CONTRAST = re.compile(r",\s+(?:while|whereas|but rather|but)\s+", re.I)
_APPOSITIVE = re.compile(r",\s+((?:also\s+)?(?:known as|called)\s+[^,]{3,80}),", re.I)
_SUCH_AS = re.compile(r",?\s+such as\s+|,\s+including\s+", re.I)
_PRONOUNS = {"he", "she", "it", "they", "we", "i", "you", "there", "it’s", "it's", "they’re", "they're", "this", "these"}
_CAUSAL = re.compile(r",?\s+(?:because|as a result of which|so that)\s+|,\s+(?:so|meaning(?: that)?)\s+", re.I)
_PARTICIPLE_TAIL = re.compile(
    r",\s+(?:making|allowing|giving|leading|causing|bringing|resulting in|helping|finding|including|requiring|"
    r"capable of|able to|known for|responsible for|with an? |home to)\s*", re.I)
_RELATIVE = re.compile(
    r",[\"”’']?\s+(?:who|which)\s+|\s+(?:that|which|who)\s+(?=(?:is|are|was|were|has|have|had|can|could|will|would)\b|"
    r"[a-z]{3,}(?:es|ed)\b|(?!this\b|thus\b|was\b|is\b|has\b)[a-z]{3,}[^s\W]s\b|"
    r"(?:built|made|won|led|wrote|founded|became|gave|took|ran|held|sold|drew|fought|taught|sang|spoke)\b)")
_THIS_IS_BECAUSE = re.compile(r"^(?:this|that|it) is (?:because|due to the fact that|since)\s+", re.I)


@dataclass(frozen=True)
class Part:
    start: int  # offsets into the sentence
    end: int
    text: str  # normalized wording (subject borrowed where needed)
    borrowed: str = ""  # the subject it borrowed, if any


def is_verb(word: str) -> bool:
    w = word.lower().strip("’'")
    if w in _AUX or w in _IRREGULAR:
        return True
    return len(w) > 4 and w.endswith("ed") and w not in _NOT_VERBS_ED


def _first_verb(words: list[re.Match]) -> int | None:
    for i, m in enumerate(words):
        if i > 0 and is_verb(m.group(0)):
            return i
    return None


def subject_of(sentence: str) -> str:
    """The words before the sentence's first finite verb, minus a leading discourse marker."""
    body = _DISCOURSE.sub("", sentence)
    words = list(_WORD.finditer(body))
    verb = _first_verb(words)
    if verb is None:
        return ""
    subject = body[: words[verb].start()].strip().rstrip(",")
    # An introductory phrase ("In July, Shoigu") stays: it is context the second part needs too.
    return subject if 0 < len(subject.split()) <= 14 else ""


def _predicate_start(text: str, at: int) -> bool:
    """Does a predicate (optionally adverb + verb) start at ``at``?"""
    words = list(_WORD.finditer(text[at : at + 60]))
    if not words:
        return False
    first = words[0].group(0)
    if first.lower() in _ADVERBS and len(words) > 1:
        first = words[1].group(0)
    return is_verb(first) and first[0].islower()


def _clause_start(text: str, at: int) -> bool:
    """Does a clause with its own subject start at ``at`` (e.g. "the economy grew", "Kim met")?"""
    words = list(_WORD.finditer(text[at : at + 100]))[:8]
    if len(words) < 2:
        return False
    lead = words[0].group(0)
    if lead.lower() in _PRONOUNS:
        return True
    if not (lead.lower() in _DETERMINERS or lead[0].isupper()):
        return False
    return any(is_verb(w.group(0)) and w.group(0)[0].islower() for w in words[1:])


def _has_verb(text: str) -> bool:
    return _first_verb(list(_WORD.finditer(text))) is not None


def _trim(sentence: str, start: int, end: int) -> tuple[int, int]:
    while start < end and sentence[start] in " ,;:–—-":
        start += 1
    while end > start and sentence[end - 1] in " ,;:–—-":
        end -= 1
    return start, end


_NP_AND = re.compile(r"\s+and\s+(?=(?:a|an|the)\s)")
_DET = re.compile(r"\b(?:a|an|the)\s")


def _coordinated_objects(s: str, start: int, end: int, needs: bool, own: str):
    """ "... a victory for X and a setback for Y": two facts about the same subject and verb.

    Only objects that both start with an article are split, after the clause's verb and not after
    "between" (a relation between two things is one fact)."""
    segment = s[start:end]
    verb = _first_verb(list(_WORD.finditer(segment)))
    match = _NP_AND.search(segment)
    if verb is None or match is None:
        return [(start, end, needs, own)]
    verb_at = list(_WORD.finditer(segment))[verb].start()
    lefts = [m.start() for m in _DET.finditer(segment, verb_at, match.start())]
    if not lefts or match.start() < verb_at:
        return [(start, end, needs, own)]
    left = lefts[-1]
    if re.search(r"\bbetween\s+$|\bboth\s+$", segment[:left]) or "," in segment[left:match.start()]:
        return [(start, end, needs, own)]
    right_start, right_end = match.end(), len(segment)
    cut = re.search(r"[,;]", segment[right_start:])
    if cut:
        right_end = right_start + cut.start()
    sizes = len(segment[left:match.start()].split()), len(segment[right_start:right_end].split())
    # "pressure from the U.S. and the West" is one fact; "a mother from Kansas and a father from Kenya" two.
    if max(sizes) > 12 or min(sizes) < 3 or max(sizes) < 4:
        return [(start, end, needs, own)]
    prefix = segment[:left].strip()
    return [(start, start + match.start(), needs, own),
            (start + right_start, start + right_end, True, (own + " " + prefix).strip() if needs else prefix)]


_ITEM = r"(?:[\w'’-]+(?:\s+[\w'’-]+){0,3})"
_LEAD_WORDS = {"on", "in", "of", "at", "to", "for", "with", "by", "from", "as", "about", "into", "include", "including",
               "such", "like", "both", "either"}
_LIST_TAIL = re.compile(rf"({_ITEM})((?:,\s+{_ITEM}){{1,6}}),?\s+(?:and|or)\s+({_ITEM})\s*[.;!]?\s*$")


def _listed_objects(s: str, start: int, end: int, needs: bool, own: str):
    """ "... focuses on macroeconomics, public finance and trade": one part per listed item (3 or more)."""
    segment = s[start:end]
    words = list(_WORD.finditer(segment))
    verb = _first_verb(words)
    if verb is None:
        # No verb this word list knows ("focuses"): a preposition after the subject anchors the list instead.
        verb = next((i for i, w in enumerate(words) if i > (0 if needs else 1) and w.group(0) in {"on", "in", "of", "at", "with"}), None)
    match = _LIST_TAIL.search(segment, words[verb].end()) if verb is not None else None
    if match is None:
        return [(start, end, needs, own)]
    items = []
    for m in re.finditer(_ITEM, match.group(2)):
        items.append((match.start(2) + m.start(), match.start(2) + m.end()))
    items.append((match.start(3), match.end(3)))
    # The first item's words run back to the verb ("specializes in science fiction, fantasy, and horror"):
    # it is no longer than the longest other item, and leading prepositions are not part of it.
    longest = max(len(segment[a:b].split()) for a, b in items)
    first_words = list(re.finditer(r"\S+", match.group(1)))[-longest:]
    while len(first_words) > 1 and (first_words[0].group(0).lower() in _LEAD_WORDS or is_verb(first_words[0].group(0))):
        first_words.pop(0)
    items.insert(0, (match.start(1) + first_words[0].start(), match.end(1)))
    if any(_has_verb(segment[a:b]) or segment[a:b].split()[0].lower() in {"and", "or"} for a, b in items):
        return [(start, end, needs, own)]
    prefix = segment[: items[0][0]].strip()
    parts = [(start, start + items[0][1], needs, own)]
    borrowed = f"{own} {prefix}".strip() if needs else prefix
    parts += [(start + a, start + b, True, borrowed) for a, b in items[1:]]
    return parts


_SUCH_AS_ASIDE = re.compile(r",\s+such as\s+(?P<list>[^,;()]{2,80}?),(?=\s+\S)")
_NP_STOP = {"than", "from", "by", "to", "with", "on", "at", "into", "include", "includes", "including", "like", "as",
            "for", "about", "against", "that", "which", "who"}


def _such_as_asides(sentence: str) -> tuple[str, list[Part]]:
    """ "The giant planets, such as Jupiter and Saturn, rotate faster": the examples are facts of their own
    ("Jupiter is one of the giant planets"), and the sentence is read without the aside.

    Returns the sentence with each aside blanked out (same length, so offsets hold) and the example parts."""
    parts = []
    masked = sentence
    for match in _SUCH_AS_ASIDE.finditer(sentence):
        if _list_continues(sentence[match.end():]):
            continue  # "such as diet, stress, or exposure": a list to the end, not an aside
        items = [m for m in re.finditer(r"[^,]+?(?=,|\s+(?:and|or)\s+|$)", match["list"])]
        items = [m for m in items if m.group(0).strip() and m.group(0).strip() not in {"and", "or"}]
        texts = [re.sub(r"^(?:and|or)\s+", "", m.group(0).strip()) for m in items]
        if not 1 <= len(texts) <= 6 or any(len(t.split()) > 5 or _has_verb(t) for t in texts):
            continue
        noun_phrase = _trailing_noun_phrase(_DISCOURSE.sub("", sentence[: match.start()]))
        if not noun_phrase:
            continue
        words = noun_phrase.split()
        if words[0].lower() in {"the", "a", "an", "these", "those", "some", "many"}:
            noun_phrase = "the " + " ".join(words[1:])
        elif words[0][0].isupper() and len(words) > 1 and all(w[0].islower() for w in words[1:]):
            noun_phrase = "the " + words[0].lower() + " " + " ".join(words[1:])  # "Large ports" starts the sentence
        for m, text in zip(items, texts):
            at = match.start("list") + m.start() + m.group(0).find(text)
            parts.append(Part(at, at + len(text), _finish(f"{text} is one of {noun_phrase}"), noun_phrase))
        masked = masked[: match.start()] + " " * (match.end() - match.start()) + masked[match.end():]
    return masked, parts


def _trailing_noun_phrase(head: str) -> str:
    """The noun phrase that ends ``head``: its words back to a preposition or verb ("... by [various factors]")."""
    words = head.split()
    np: list[str] = []
    for word in reversed(words):
        if word.lower() in _NP_STOP or is_verb(word) or word.endswith(","):
            break
        np.insert(0, word)
    return " ".join(np)


def split(sentence: str) -> list[Part]:
    """The atomic parts of one sentence (at least one: the sentence itself)."""
    original = sentence
    sentence, asides = _such_as_asides(sentence)
    spans = [piece for span in _split_spans(sentence, 0, len(sentence), depth=0)
             for coordinated in _coordinated_objects(sentence, *span) for piece in _listed_objects(sentence, *coordinated)]
    subject = subject_of(sentence)
    parts: list[Part] = []
    for start, end, needs_subject, own_subject in spans:
        start, end = _trim(sentence, start, end)
        if end - start < (3 if needs_subject else 8):  # a listed item ("diet") is short; its wording is not
            continue
        words = sentence[start:end]
        text = words
        borrowed = ""
        if needs_subject:
            borrowed = own_subject or subject
            if borrowed:
                text = f"{borrowed} {words}"
        if parts and subject and subject.split()[0].lower() not in _PRONOUNS:
            # "... faster because it uses ...": inside one sentence "it" is the sentence's subject.
            pronoun = re.match(r"(?:it|they|he|she)\b(?!['’])", text, re.I)
            if pronoun:
                bare = _DISCOURSE.sub("", subject)
                bare = re.sub(r"^(?:(?:In|On|During|After|Before|By|Since)\b[^,]{0,40},\s*)", "", bare)
                text, borrowed = bare + text[pronoun.end():], bare
        parts.append(Part(start, end, _finish(text), borrowed))
    return parts + asides if parts else [Part(0, len(original), _finish(original))] + asides


def _finish(text: str) -> str:
    text = " ".join(_DISCOURSE.sub("", text.strip()).split())
    text = text[:1].upper() + text[1:] if text else text
    if text and text[-1] not in ".!?\"”'’)":
        text += "."
    return text


def _split_spans(s: str, start: int, end: int, depth: int):
    """Yield (start, end, needs_subject, own_subject) spans covering the sentence's facts."""
    if depth > 4:
        yield start, end, False, ""
        return
    segment = s[start:end]

    because = _THIS_IS_BECAUSE.match(segment)
    if because:
        yield from _split_spans(s, start + because.end(), end, depth + 1)
        return

    lead = _SUBORDINATE_START.match(segment, len(segment) - len(_DISCOURSE.sub("", segment)))
    if lead and depth == 0:
        comma = _top_level_comma(segment, lead.end())
        if comma is not None:
            yield from _split_spans(s, start + lead.end(), start + comma, depth + 1)
            yield from _split_spans(s, start + comma + 1, end, depth + 1)
            return

    appositive = _APPOSITIVE.search(segment)
    if appositive:
        head = segment[: appositive.start()]
        yield start + appositive.start(1), start + appositive.end(1), True, _antecedent(head) if head.split() else ""
        if _has_verb(head):
            yield from _split_spans(s, start, start + appositive.start(), depth + 1)
        yield from ((a, b, True, own or head.strip()) if a == start + appositive.end() else (a, b, need, own)
                    for a, b, need, own in _split_spans(s, start + appositive.end(), end, depth + 1))
        return

    colon = segment.find(": ")
    if depth == 0 and 3 < colon and len(segment[:colon].split()) <= 10 and not _has_verb(segment[:colon]) \
            and _clause_start(segment, colon + 2) and _has_verb(segment[colon + 2:]):
        # "Best Paper Award at EMNLP 2017: Augenstein received ...": a heading, then the claim.
        yield from _split_spans(s, start + colon + 2, end, depth + 1)
        return
    if 8 < colon and _has_verb(segment[:colon]) and _clause_start(segment, colon + 2):
        yield from _split_spans(s, start, start + colon, depth + 1)
        yield from _split_spans(s, start + colon + 2, end, depth + 1)
        return

    contrast = _CONTRAST.search(segment)
    if contrast and contrast.start() > 10 and _clause_start(segment, contrast.end()):
        yield from _split_spans(s, start, start + contrast.start(), depth + 1)
        yield from _split_spans(s, start + contrast.end(), end, depth + 1)
        return

    such = _SUCH_AS.search(segment)
    if such and such.start() > 10:
        tail = segment[such.end():]
        # Only a list that runs to the end of the sentence: "X, such as A, B and C."
        items = [m for m in re.finditer(r"(?:^|,\s*|\s+)(?:(?:and|or)\s+)?([^,]+?)(?=,|\s+(?:and|or)\s+|[.;]?\s*$)", tail)]
        spans = [(start + such.end() + m.start(1), start + such.end() + m.end(1)) for m in items if m.group(1).strip()]
        listed = [s[a:b] for a, b in spans]
        if (2 if "such" in such.group(0).lower() else 1) <= len(spans) <= 8 and all(len(x.split()) <= 6 and "such as" not in x for x in listed) and all(not _has_verb(tail[a - start - such.end(): b - start - such.end()]) or
                                        tail[a - start - such.end():].startswith("to ") for a, b in spans):
            head_parts = list(_split_spans(s, start, start + such.start(), depth + 1))
            yield from head_parts
            # Each example stands in for the category it exemplifies, in the clause that names it:
            # "caused by various environmental factors, such as diet" -> "caused by diet".
            last_start, last_end, last_needs, last_own = max(head_parts, key=lambda p: (p[1], p[0]))
            head = s[last_start:last_end].strip().rstrip(",")
            if last_needs and last_own:
                head = f"{last_own} {head}"
            category = _trailing_noun_phrase(head)
            stem = head[: len(head) - len(category)].rstrip() if category and category != head else f"{head} such as"
            for a, b in spans:
                yield a, b, True, stem
            return

    for pattern in (_CAUSAL, _PARTICIPLE_TAIL):
        match = pattern.search(segment)
        if match and match.start() > 10:
            yield from _split_spans(s, start, start + match.start(), depth + 1)
            tail_start = start + match.end() if pattern is _CAUSAL else start + match.start() + 1
            yield tail_start, end, pattern is _PARTICIPLE_TAIL, ""
            return

    relative = _RELATIVE.search(segment)
    if relative:
        head = segment[: relative.start()]
        copula = re.search(r"^(.{3,80}?)\s+(?:is|are|was|were)\s+(?:a|an|the|one of)\b", head)
        # "Mondeca is a software company that specializes in ...": the company is Mondeca.
        antecedent = _DISCOURSE.sub("", copula.group(1)) if copula else _antecedent(head)
        close = _clause_end(segment, relative.end())
        if antecedent:
            rel_start, rel_end = start + relative.end(), start + close
            main = (start, start + relative.start()) if close >= len(segment) else None
            if main is None:
                # "X, who did A, did B": the part about X is the whole segment; A is a part of its own.
                yield rel_start, rel_end, True, antecedent
                yield start, end, False, ""
                return
            yield from _split_spans(s, main[0], main[1], depth + 1)
            yield rel_start, rel_end, True, antecedent
            return

    for match in re.finditer(r"(?:,\s*|\s+)(?:and|but)\s+", segment):
        after = match.end()
        if match.start() < 8:
            continue
        if _predicate_start(segment, after):
            yield from _split_spans(s, start, start + match.start(), depth + 1)
            yield from ((a, b, True, own) if a == start + after else (a, b, need, own)
                        for a, b, need, own in _split_spans(s, start + after, end, depth + 1))
            return
        if "," in match.group(0) and _clause_start(segment, after):
            yield from _split_spans(s, start, start + match.start(), depth + 1)
            yield from _split_spans(s, start + after, end, depth + 1)
            return
    yield start, end, False, ""


def _top_level_comma(text: str, after: int) -> int | None:
    depth = 0
    for i in range(after, len(text)):
        ch = text[i]
        if ch in "([{“":
            depth += 1
        elif ch in ")]}”":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0 and i - after > 8:
            return i
    return None


def _clause_end(text: str, at: int) -> int:
    """Where a relative clause starting at ``at`` ends: the next top-level comma or the end."""
    comma = _top_level_comma(text, at)
    if comma is None:
        return len(text)
    # "... that specializes in science fiction, fantasy, and horror": the comma is inside a list.
    rest = text[comma + 1:]
    # "... in Franeker, Netherlands." is a place, not the clause's end.
    place = re.match(r"\s+[A-Z][\w.-]*(?:\s+[A-Z][\w.-]*){0,2}\s*[.!?]?\s*$", rest)
    return len(text) if place or _list_continues(rest) else comma


def _list_continues(rest: str) -> bool:
    """Is ``rest`` (after a comma) the remaining items of a list, "B, and C." rather than a clause?"""
    if re.match(r"^\s*(?:[^,.;]{1,40}?,\s*)*(?:and|or)\s+(?:\S+\s*){1,5}[.!?]?\s*$", rest):
        return True  # short items to the end, the last after "and"/"or"
    return bool(re.search(r"\b(?:and|or)\b", rest)) and len(rest.split()) <= 12 and not _has_verb(rest)


def _antecedent(head: str) -> str:
    """The noun phrase a relative clause is about: a trailing run of capitalised words, or the last few words."""
    names = re.findall(r"(?:[A-Z][\w'’.-]*\s*)+$", head.strip() + " ")
    if names and names[-1].strip():
        return names[-1].strip()
    phrase = _trailing_noun_phrase(head.strip())
    if phrase and len(phrase.split()) <= 6:
        return phrase
    words = head.split()
    return " ".join(words[-4:]) if words else ""
