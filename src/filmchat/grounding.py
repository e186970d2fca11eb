"""What a question asks for, and whether a cited sentence says it.

A citing assistant is judged by whether its quote answers the question. A sentence that
is merely *about* the film ("Hope is based on a true story") is not an answer to "who
wrote Hope's screenplay?". Each kind of fact a user may ask for has a question pattern
and the words a sentence stating it must contain; when no passage of the film contains
them, the answer says which fact the articles do not give, by name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Asked:
    """A kind of fact: how a question asks for it, how a sentence states it, how to say it is missing."""

    kind: str
    question: re.Pattern
    evidence: re.Pattern
    missing: str  # "{film}" is replaced by the film's name (markdown)


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


# Checked in order; the first whose question pattern matches is what is asked. The four kinds the articles'
# metadata lines give (director, release, duration, cast) come first and are answered from those lines when
# they exist; their evidence patterns decide whether a prose sentence can stand in for a missing line.
ASKED = [
    Asked("screenplay", _re(r"\b(screenplay|script|screen ?writer|script ?writer|who wrote|written by)\b"),
          _re(r"\b(screenplay\w*|script\w*|screen ?writer\w*|written by|wrote|writer\w*)\b"), "who wrote {film}"),
    Asked("music", _re(r"\b(compos(ed|er|ers)|music|soundtrack|ost|theme song)\b"),
          _re(r"\b(compos\w*|music\w*|soundtrack\w*|ost|songs?)\b"), "who made the music of {film}"),
    Asked("box office", _re(r"\b(box office|gross(ed|ing)?|revenue|tickets? sold|admissions|how many (people|viewers) "
                            r"(saw|watched|went)|how much (money )?did .{1,40} (make|earn|gross)|commercial(ly)? success)\b"),
          _re(r"\b(box office|gross\w*|earn\w*|revenue|tickets?|admissions|viewers|audiences?|million (people|viewers)"
              r"|\d[\d,.]* (million )?(people|viewers))\b"), "how much {film} earned or how many people saw it"),
    Asked("budget", _re(r"\b(budget|cost to make|how much did .{1,40} cost|production cost)\b"),
          _re(r"\b(budget\w*|cost\w*)\b"), "the budget of {film}"),
    Asked("awards", _re(r"\b(awards?|oscars?|prizes?|nominat\w*)\b|\b(did|does|has) .{1,60}\bwin\b|\bwho won\b|\bwon (any|an|a|the|best)\b"),
          _re(r"\b(awards?|oscars?|prizes?|nominat\w*|won|win|wins|winning|honou?r\w*)\b"), "any award {film} won"),
    Asked("location", _re(r"\bwhere\b.{0,60}\b(filmed|shot|shoot)\b|\bfilming locations?\b|\b(filmed|shot) (in|at|on location)\b"),
          _re(r"\b(filmed|shot (in|at|on)|filming|locations?)\b"), "where {film} was filmed"),
    Asked("rating", _re(r"\b(age rating|rated|rating|certificat\w*|age limit|suitable for (kids|children))\b"),
          _re(r"\b(rated|rating|certificat\w*)\b"), "the age rating of {film}"),
    Asked("sequel", _re(r"\b(sequel|prequel|spin-?off)\b|\b(was|is|has been|been|get|got|ever) remade\b|\bremake of\b"),
          _re(r"\b(sequel\w*|prequel\w*|remake\w*|remade|spin-?off\w*)\b"), "a sequel or remake of {film}"),
    Asked("banned", _re(r"\b(banned|censor(ed|ship))\b"), _re(r"\b(banned|censor\w*)\b"), "that {film} was banned"),
    Asked("streaming", _re(r"\b(where can i (watch|stream|see)|netflix|streaming|stream it|available on)\b"),
          _re(r"\b(netflix|stream\w*|available on)\b"), "where to watch {film}"),
]
EVIDENCE = {a.kind: a.evidence for a in ASKED} | {
    "director": _re(r"\b(direct\w*|helm\w*|filmmaker)\b"),
    "release": _re(r"\b(releas\w*|premiere\w*|came out|in (19|20)\d\d)\b"),
    "duration": _re(r"\b(\d+\s*(minutes|mins?|hours?|hrs?)|runtime|running time)\b"),
    "cast": _re(r"\b(star\w*|plays?|played|cast|actor|actress|role|portray\w*)\b"),
}
MISSING = {a.kind: a.missing for a in ASKED} | {
    "director": "who directed {film}", "release": "when {film} came out", "duration": "how long {film} runs",
    "cast": "who plays in {film}",
}


def asked(question: str) -> Asked | None:
    """The kind of fact a question asks for beyond the film's metadata lines, if any."""
    return next((a for a in ASKED if a.question.search(question)), None)


def states(kind: str, text: str) -> bool:
    """Whether a sentence or passage could state this kind of fact (its key words are there)."""
    return bool(EVIDENCE[kind].search(text))
