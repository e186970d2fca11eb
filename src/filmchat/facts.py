"""Facts the articles state about a film: metadata lines ("Director: …") and a few prose forms.

One extraction serves the film card, the one-fact answers ("who directed Hope?") and the
film catalog of every film's stated values (``catalog.py``). Each ``Fact`` keeps the
offsets of the line or sentence that states it, so whatever uses it can cite it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .chunking import META, Chunk, sentence_spans
from .text import content_words, phrases, words


@dataclass(frozen=True)
class Fact:
    kind: str  # director | release | duration | cast | true_story | country
    value: str
    chunk: Chunk
    start: int  # offsets of the value's line in the file, to highlight it
    end: int


# kind: (question pattern, metadata keys, prose patterns), from patterns.toml. The question patterns ask for the
# fact itself ("who directed X?"), not for anything near it ("what did the director of X want to show?").
FACT_KINDS = {kind: (re.compile(p["question"], re.I), set(p["keys"]), [re.compile(x) for x in p["prose"]])
              for kind, p in phrases()["facts"].items()}
# Facts only the catalog lists (a question about them goes to the catalog, not to the one-fact answer).
CATALOG_KINDS = {kind: (set(p["keys"]), [re.compile(x) for x in p["prose"]]) for kind, p in phrases()["catalog"].items()}
NAMES = {kind for kind, p in phrases()["catalog"].items() if p.get("names")}  # values that are people, every one kept

# prose pattern -> the word it cannot match without (``needs`` in patterns.toml): a passage that lacks it skips
# the pattern. The duration and true-story patterns may start at any word, and were most of the catalog's
# build at 100k passages (benchmarks/scale.py).
NEEDS = {pattern: p["needs"] for group, kinds in (("facts", FACT_KINDS), ("catalog", CATALOG_KINDS))
         for kind, p in phrases()[group].items() if p.get("needs") for pattern in kinds[kind][-1]}


def found(pattern: re.Pattern, text: str):
    """``pattern.finditer(text)``, skipped when the text lacks the word the pattern needs."""
    need = NEEDS.get(pattern)
    return pattern.finditer(text) if need is None or need in text else iter(())


# a release year told by another dated event ("expired in January 2006, a year prior to the release of this movie")
RELATIVE_RELEASE = re.compile(r"\b(?:in|on) (?:[A-Z][a-z]+ )?(?:\d{1,2},? )?((?:19|20)\d\d),? (a|an|one|two|three|four|five|\d) "
                              r"years? (prior to|before|after) the (?:(?:film|movie)['’]s )?(?:release|premiere)\b")
YEARS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}


def fact_kind(question: str) -> str | None:
    for kind, (pattern, _, _) in FACT_KINDS.items():
        if pattern.search(question):
            return kind
    return None


def fact_opening(question: str) -> str | None:
    """The fact a question opens by asking ("who directed the zombie movie?", "and how long is the one about …"),
    not one inside a description ("which film is about a boy who acts like a wolf?")."""
    text = re.sub(r"^\W*((and|so|ok|okay|also|then|but)\b\W*)*", "", question, flags=re.I)
    return next((kind for kind, (pattern, _, _) in FACT_KINDS.items() if (m := pattern.search(text)) and m.start() == 0),
                None)


def fact_alone(question: str) -> bool:
    """Whether a question asks for a fact and says nothing else ("who was the director?", "what's the runtime?"):
    with no film named or talked about, it cannot be answered, only asked back."""
    kind = fact_kind(question)
    return bool(kind) and not content_words(FACT_KINDS[kind][0].sub(" ", question))


def meta_lines(chunk: Chunk):
    """Each metadata line of a passage ("Director: Lee Han"): its label in lower case, its value, and where
    the line is in the file."""
    pos = 0
    for line in chunk.text.split("\n") if ":" in chunk.text else ():  # a metadata line has a colon
        m = META.match(line)
        if m and len(line) <= 150:
            value = m.group(2).strip().strip("\u00a0 ")
            if value:
                yield m.group(1).strip().lower(), value, chunk.start + pos, chunk.start + pos + len(line)
        pos += len(line) + 1


def facts_in(chunk: Chunk) -> list[Fact]:
    """Metadata lines ("Director: …") and stated facts in prose ("released in 2005")."""
    out = [Fact(kind, value, chunk, start, end) for key, value, start, end in meta_lines(chunk)
           for kind, (_, keys, _) in FACT_KINDS.items() if key in keys]
    for kind, (_, _, prose) in FACT_KINDS.items():
        for pattern in prose:
            for m in found(pattern, chunk.text):
                if not any(f.kind == kind for f in out):
                    sent = sentence_around(chunk.text, m.start())
                    out.append(Fact(kind, m.group(1), chunk, chunk.start + sent[0], chunk.start + sent[1]))
    if not any(f.kind == "release" for f in out) and "release" in chunk.text and (m := RELATIVE_RELEASE.search(chunk.text)):
        n = YEARS.get(m.group(2)) or int(m.group(2))
        year = int(m.group(1)) + (-n if m.group(3) == "after" else n)
        sent = sentence_around(chunk.text, m.start())
        told = f"{m.group(2)} year{'s' if n > 1 else ''} {'before' if m.group(3) == 'after' else 'after'} {m.group(1)}"
        out.append(Fact("release", f"{year}, {told}", chunk, chunk.start + sent[0], chunk.start + sent[1]))
    return out


def catalog_facts_in(chunk: Chunk) -> list[Fact]:
    """``facts_in`` plus what only the catalog lists: "based on a true story" / a real case, country of origin."""
    out = facts_in(chunk) + [Fact(kind, value, chunk, start, end) for key, value, start, end in meta_lines(chunk)
                             for kind, (keys, _) in CATALOG_KINDS.items() if key in keys]
    for kind, (_, prose) in CATALOG_KINDS.items():
        if kind in NAMES:
            if not any(f.kind == kind for f in out):
                out += _names_in(kind, prose, chunk)
            continue
        for pattern in prose:
            m = next(found(pattern, chunk.text), None)
            if m and not any(f.kind == kind for f in out):
                sent = sentence_around(chunk.text, m.start())
                value = re.sub(r"^(is|are) ", "", " ".join(m.group(1).split()))
                out.append(Fact(kind, value[0].lower() + value[1:], chunk, chunk.start + sent[0], chunk.start + sent[1]))
    return out


def _names_in(kind: str, patterns: list[re.Pattern], chunk: Chunk) -> list[Fact]:
    """One fact per sentence naming people ("… Na Ok Boon (Na Moon Hee) … Park Min Jae (Lee Je Hoon) …"), its
    value every name the sentence gives, in order."""
    named: dict[tuple[int, int], list[str]] = {}
    for pattern in patterns:
        for m in found(pattern, chunk.text):
            names = named.setdefault(sentence_around(chunk.text, m.start()), [])
            if m.group(1) not in names:
                names.append(m.group(1))
    return [Fact(kind, ", ".join(sorted(names, key=chunk.text.index)), chunk, chunk.start + a, chunk.start + b)
            for (a, b), names in sorted(named.items())]


def sentence_around(text: str, pos: int) -> tuple[int, int]:
    return next(((a, b) for a, b in sentence_spans(text) if a <= pos < b), (0, len(text)))


def same_value(a: str, b: str) -> bool:
    """"2013" and "January 24, 2013" agree; "2013" and "2012" do not."""
    na, nb = " ".join(words(a)), " ".join(words(b))
    return na in nb or nb in na


def merge_values(facts: list[Fact]) -> list[tuple[str, list[Fact]]]:
    """Agreeing values merged into one group each; the most specific wording leads its group."""
    groups: list[tuple[str, list[Fact]]] = []
    for f in sorted(facts, key=lambda f: -len(f.value)):
        for value, members in groups:
            if same_value(value, f.value):
                members.append(f)
                break
        else:
            groups.append((f.value, [f]))
    return groups
