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

from .text import phrases


@dataclass(frozen=True)
class Asked:
    """A kind of fact: how a question asks for it, how a sentence states it, how to say it is missing."""

    kind: str
    question: re.Pattern
    evidence: re.Pattern
    missing: str  # "{film}" is replaced by the film's name (markdown)


def _re(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


# From patterns.toml, checked in order; the first whose question pattern matches is what is asked. The four kinds
# the articles' metadata lines give (director, release, duration, cast) are answered from those lines when they
# exist; their evidence patterns decide whether a prose sentence can stand in for a missing line.
ASKED = [Asked(kind, _re(p["question"]), _re(p["evidence"]), p["missing"])
         for kind, p in phrases()["asked"].items() if "question" in p]
EVIDENCE = {kind: _re(p["evidence"]) for kind, p in phrases()["asked"].items()}
MISSING = {kind: p["missing"] for kind, p in phrases()["asked"].items()}
# kinds whose evidence says the fact on its own ("K, a radio producer"): the question's other words need not be found
DEFINITE = {kind for kind, p in phrases()["asked"].items() if p.get("definite")}


def asked(question: str) -> Asked | None:
    """The kind of fact a question asks for beyond the film's metadata lines, if any."""
    return next((a for a in ASKED if a.question.search(question)), None)


def states(kind: str, text: str) -> bool:
    """Whether a sentence or passage could state this kind of fact (its key words are there)."""
    return bool(EVIDENCE[kind].search(text))
