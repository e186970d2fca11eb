"""The figures of the evaluation contract, computed exactly as the referee's scorer computes them.

Kept apart from running questions (evaluation.py) so that one function defines every figure;
``tests/test_scoring.py`` checks it against the referee's own scorer when that is at hand.
"""

from __future__ import annotations

import difflib
import re


def norm_title(s: str) -> str:
    return re.sub(r"[^0-9a-z]", "", s.casefold())


def norm_text(s: str) -> str:
    s = s.replace("\u2019", "'").replace("\u2018", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", s).strip().casefold()


def supports(citation: str, quote: str) -> bool:
    """A citation supports a quote when they share a run of at least min(40, len(quote)) characters."""
    a, b = norm_text(citation), norm_text(quote)
    if not a or not b:
        return False
    return b in a or (len(a) >= 40 and a in b) or longest_run(a, b) >= min(40, len(b))


def near_duplicate(a: str, b: str) -> bool:
    a, b = norm_text(a), norm_text(b)
    return bool(a and b) and longest_run(a, b) >= 0.8 * min(len(a), len(b))


def longest_run(a: str, b: str) -> int:
    """Length of the longest run of characters the two texts share."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b)).size


def score(gold: list[dict], pred: list[dict], texts: dict[str, str]) -> dict[str, float]:
    """Mean of each figure over the questions it applies to (film_hit@1 per kind too); ``texts``: file -> text."""
    tally: dict[str, list[float]] = {}

    def add(name: str, value) -> None:
        tally.setdefault(name, []).append(float(value))

    for g, p in zip(gold, pred):
        films = [f for f in p.get("films") or [] if isinstance(f, str)]
        cits = [c for c in p.get("citations") or [] if isinstance(c, dict)]
        for c in cits:
            t = texts.get(str(c.get("file")))
            add("citation_integrity", t is not None and isinstance(c.get("start"), int) and isinstance(c.get("end"), int)
                and t[c["start"]:c["end"]] == c.get("text") and c["end"] > c["start"])
        kind = g["kind"]
        if kind == "structured":  # questions over the film catalog: this project's own kind (not the referee's)
            for name, value in structured_figures(g, p).items():
                add(name, value)
            continue
        if kind == "unanswerable":
            add("abstain_on_unanswerable", bool(p.get("abstained")))
            continue
        add("answered_when_answerable", not p.get("abstained"))
        want = {norm_title(f) for f in g["films"]}
        ranked = [norm_title(f) for f in films]
        if kind != "multi":
            hit = bool(ranked) and ranked[0] in want
            add("film_hit@1", hit)
            add(f"film_hit@1[{kind}]", hit)
        add("film_recall@5", len(want & set(ranked[:max(5, len(want))])) / len(want))
        add("film_mrr@10", next((1.0 / (r + 1) for r, f in enumerate(ranked[:10]) if f in want), 0.0))
        quotes = [e["quote"] for e in g.get("evidence", [])]
        ok = [any(supports(str(c.get("text", "")), q) for q in quotes) for c in cits[:10]]
        add("evidence_hit@1", any(ok[:1]))
        add("evidence_hit@3", any(ok[:3]))
        add("evidence_mrr@10", next((1.0 / (r + 1) for r, v in enumerate(ok) if v), 0.0))
        top = [str(c.get("text", "")) for c in cits[:3]]
        add("duplicate_citations@3", any(near_duplicate(top[a], top[b]) for a in range(len(top)) for b in range(a + 1, len(top))))
        if kind == "fact" and g.get("answer"):
            add("fact_answer_in_text", norm_title(g["answer"]) in norm_title(str(p.get("answer", ""))))
    return {k: round(sum(v) / len(v), 4) for k, v in sorted(tally.items())}


def structured_figures(g: dict, p: dict) -> dict[str, bool]:
    """A question over the film catalog, by its ``form``: filter / count (the exact set of films),
    comparison / superlative (the right film first), unsettleable (declined, the answer naming ``answer``:
    the film or value the articles don't give)."""
    form = g.get("form") or ("unsettleable" if not g.get("films") else "filter")
    want = {norm_title(f) for f in g.get("films") or []}
    got = [norm_title(f) for f in p.get("films") or []]
    if form in ("filter", "count"):
        ok = not p.get("abstained") and set(got) == want
        return {"structured_exact_set": ok, f"structured_exact_set[{form}]": ok}
    if form == "unsettleable":
        return {"structured_declined_with_reason": bool(p.get("abstained"))
                and norm_title(g.get("answer") or "") in norm_title(p.get("answer", ""))}
    ok = bool(got) and got[0] in want
    return {"structured_first_film": ok, f"structured_first_film[{form}]": ok}


def outcome(g: dict, p: dict) -> str:
    """What a user got: 'right', 'wrong' (a wrong film, cited), 'missed' (abstained though the articles answer),
    'declined' (abstained, rightly) or 'invented' (answered a question the articles don't answer)."""
    if g["kind"] == "unanswerable" or (g["kind"] == "structured" and not g.get("films")):
        return "declined" if p.get("abstained") else "invented"
    if p.get("abstained"):
        return "missed"
    want = {norm_title(f) for f in g["films"]}
    ranked = [norm_title(f) for f in p.get("films") or []]
    if g["kind"] == "multi":
        return "right" if want & set(ranked[:max(5, len(want))]) else "wrong"
    return "right" if ranked and ranked[0] in want else "wrong"


# A wrong answer with a citation is worse than "the articles don't say": it costs what a right answer earns.
UTILITY = {"right": 1.0, "declined": 1.0, "missed": 0.0, "wrong": -1.0, "invented": -1.0}
