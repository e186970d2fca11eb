"""Questions over the film catalog, answered exactly and without a language model.

Filters ("which films came out in the autumn?", "… before 2010", "… over two hours",
"… directed by Park Jin-Pyo", "… starring Son Ye-Jin", "… based on a true story"),
comparisons between named films ("which came out first, Hope or Silenced?"),
superlatives ("which film is the longest?") and counts ("how many films did X direct?").
Values are compared as values (dates, minutes); every film in an answer cites the
statement that qualified it; when the articles cannot settle a question the answer says
which values are missing.

Recognition is deliberately conservative: a question is taken here only when every
content word in it is accounted for by a condition, a superlative or a comparison;
anything else ("which film is about a Korean adoptee?", "longest film about autism")
goes to retrieval as before.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalog import Catalog, FilmEntry, Value, catalog_for
from .grounding import asked
from .question import DESCRIBES
from .text import QUESTION_WORDS, words, zipf

MONTH_NAMES = "january february march april may june july august september october november december".split()
# how months are shortened when typed ("sept–nov"), each to its month's number
MONTH_SHORT = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
               "nov": 11, "dec": 12}
SEASONS = {"spring": (3, 4, 5), "summer": (6, 7, 8), "autumn": (9, 10, 11), "fall": (9, 10, 11), "winter": (12, 1, 2)}
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "ninety": 90, "hundred": 100}
NOUN = {"release": "release date", "duration": "runtime", "director": "director", "cast": "cast",
        "true_story": "true story"}
SHOWN_MISSING = 6  # films named in "the articles don't give it for …" before "and N more"
# Chatter around a question that does not describe a story ("need something short for a weeknight lol"): words
# at least this common in English carry no topic ("something", "need", "think", "couple") ...
CHATTER_ZIPF = 5.0
# ... nor do rarer words than this that no article has ("pls", "tmrw"); a word between the two that no article has
# ("robot" 4.2, "identify" 4.4) may be a topic the articles lack, and leaves the question to retrieval, which says so
SLANG_ZIPF = 4.0

# words a structured question may hold besides its values: anything else sends it to retrieval
FILLER = QUESTION_WORDS | set(
    "released release come came out made premiered premiere first last longest shortest earliest oldest latest newest "
    "runs run running long runtime length minutes minute mins hours hour directed direct director directors by star "
    "stars starring starred act acted acting appear appears appeared play plays played featuring in year years between "
    "before after and or than list name show all articles article these those of the most recent recently longer shorter "
    "earlier later older newer true story stories based on real events event case cases life actual incident inspired "
    "count number total how many there from to until through during over under more less at least above below within "
    "watch mentioned listed corpus sad season month decade s come out later first second ones either both whats thats which s "
    "whos releases like say eg ie versus vs pls plz thx lists listed short flick flicks picture pictures title titles "
    "tearjerker tearjerkers weepie weepies anything something stuff pic pics every anywhere everywhere across overall "
    "ever among half counting exactly go goes past but "
    # contractions as words() leaves them, apostrophe dropped
    "im ive id youre youve youd theyre theyve thats whats whos dont doesnt didnt isnt arent wasnt werent cant couldnt "
    "wont wouldnt shouldnt hes shes lets".split()
) | set(MONTH_NAMES) | set(MONTH_SHORT) | set(SEASONS) | set(NUMBERS)

# words that are never part of a person's name in a question ("did the director of Hope direct")
NOT_NAME = set("the a an it its this that these those which what who film films movie movies he she they his her their "
               "director directors actor actors same other also".split())
TRUE = re.compile(r"\b(based on|inspired by) (a |an |the )?(true|real|actual) (story|stories|events?|cases?|life|incidents?)\b"
                  r"|\btrue (story|stories|events)\b|\breal (events|life events|cases)\b")
BETWEEN = re.compile(r"\b(?:(?:between|from) )?((?:19|20)\d\d) (?:(?:and|to|until|through|thru) )?((?:19|20)\d\d)\b")
BEFORE_AFTER = re.compile(r"\b(before|prior to|earlier than|after|since|later than) (\d{4})\b")
DECADE = re.compile(r"\b(?:the )?((?:19|20)?\d0)s\b")
YEAR = re.compile(r"\b((?:19|20)\d\d)\b")
MONTH = re.compile(r"\b(" + "|".join(MONTH_NAMES + list(MONTH_SHORT)) + r")\b")
MONTH_RANGE = re.compile(r"\b(?:from )?" + MONTH.pattern + r" (?:to|through|thru|till|until|and)? ?" + MONTH.pattern)
SEASON = re.compile(r"\b(?:(?:in|during) (?:the )?)?(spring|summer|autumn|fall|winter)\b")
AMOUNT = r"(\d+(?: \d)?|an?|one|two|three|four)(?: and a half)?"
RUNTIME = re.compile(r"\b(over|more than|longer than|at least|above|past|beyond|exceeding|under|less than|shorter than|"
                     r"at most|below|within|exactly) " + AMOUNT + r" (hours?|hrs?|minutes?|mins?|min)\b")
LONGER = ("over", "more than", "longer than", "at least", "above", "past", "beyond", "exceeding")
NAME = r"([a-z]+(?: [a-z]+){1,3}?)"
END = r"(?= in it| in them| before| after| in | between| and | run| is | are | was | were | came| released|$)"  # where a name in a question ends
DIRECTOR = [re.compile(r"\bdirected by " + NAME + END),
            re.compile(r"\b(?:did|has|have) " + NAME + r" direct(?:ed)?\b"),
            re.compile(r"\bby (?:director )?" + NAME + END)]
ACTOR = [re.compile(r"\b(?:starring|featuring|with) " + NAME + END),
         re.compile(r"\b(?:does|did|has|have) " + NAME + r" (?:star|act|appear|play)(?:red|ed|s)?\b"),
         re.compile(r"\b(?:films?|movies?) (?:stars?|starring|with) " + NAME + END),
         re.compile(r"^" + NAME + r"(?= (?:films?|movies?|flicks?|pics?)\b)")]  # "son ye jin movies?": a known name only
SUPERLATIVE = re.compile(r"\b(longest|shortest|earliest|oldest|latest|newest|most recent(?:ly)?|(?:came out|released) "
                         r"(?:first|last))\b")
COMPARE = re.compile(r"\b(first|earlier|earliest|older|oldest|before|later|latest|newer|newest|more recent|after|last|"
                     r"longer|longest|shorter|shortest)\b")
# a question after a set of films: it names them as films ("movies under 110 minutes?", "anything from 2013?"),
# or asks which / how many
FILM_NOUN = re.compile(r"\b(films?|movies?|ones|flicks?|pics?|pictures?|titles?|releases|anything|something|stuff)\b")
FRAME = re.compile(FILM_NOUN.pattern + r"|\bany\b|^(which|what|list|name|show)\b|^(how many|number of|count)\b"
                   r"|\bdid .+ direct\b")
COUNT = re.compile(r"\b(how many|number of)\b|^count\b")


@dataclass
class Condition:
    kind: str  # release | duration | director | cast | true_story
    words: str  # how the answer describes it ("released before 2010")
    test: object  # Value -> True / False / None (None: the value is too vague to say, e.g. a year for a month)


@dataclass
class Parsed:
    form: str  # filter | count | superlative | compare
    conditions: list[Condition] = field(default_factory=list)
    kind: str | None = None  # what a superlative or comparison orders by
    largest: bool = True  # longest / latest
    named: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- understanding the question

def _amount(n: str, unit: str, half: bool) -> int:
    value = NUMBERS.get(n) or int(n.split()[0])
    minutes = value * 60 if unit.startswith("h") else value
    return minutes + (30 if half else 0)


def _month(word: str) -> int | None:
    """A month's number from its name or its usual shortening ("sept" -> 9)."""
    return MONTH_NAMES.index(word) + 1 if word in MONTH_NAMES else MONTH_SHORT.get(word)


def _name_in(name: str, value: str) -> bool:
    return f" {name} " in f" {' '.join(words(value))} "


def parse(question: str, named: list[str], catalog: Catalog, in_articles=lambda word: True,
          means_a_story=lambda words: True) -> Parsed | None:
    """What the question asks of the catalog, or None when it is not such a question (a word is left unexplained).

    A question that describes a story must have every word accounted for ("which 2013 film is about a prisoner?"
    is retrieval's); one that does not may also hold chatter (``CHATTER_ZIPF``, ``SLANG_ZIPF``; ``in_articles``
    says whether any article has a word) and other words of the articles, as long as they do not mean something a film's sentence says
    (``means_a_story``: "my mom only really enjoys older movies" does not, "prison" does)."""
    text = " ".join(words(question))
    rest = text
    conds: list[Condition] = []

    def take(m):
        nonlocal rest
        rest = " ".join(rest.replace(m.group(0), " ", 1).split())

    for title in [" ".join(words(catalog.get(k).name)) for k in named if catalog.get(k)]:
        rest = rest.replace(title, " ")
    if (m := TRUE.search(rest)):
        take(m)
        conds.append(Condition("true_story", "are based on a true story or real events", lambda v: True))
    while (m := RUNTIME.search(rest)):  # "more than 110 minutes but less than 2 hours": both
        take(m)
        limit = _amount(m.group(2), m.group(3), "half" in m.group(0))
        if m.group(1) == "exactly":
            conds.append(Condition("duration", f"run {limit} minutes", lambda v, L=limit: v.minutes == L))
            continue
        more = m.group(1) in LONGER
        strict = m.group(1) not in ("at least", "at most", "within")
        unit = f"{limit} minutes"
        conds.append(Condition("duration", f"run {'over' if more else 'under'} {unit}",
                               lambda v, L=limit, up=more, st=strict: v.minutes is not None and (
                                   (v.minutes > L if st else v.minutes >= L) if up else (v.minutes < L if st else v.minutes <= L))))
    if (m := BETWEEN.search(rest)):
        take(m)
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        conds.append(Condition("release", f"came out between {a} and {b}", lambda v, a=a, b=b: a <= v.date[0] <= b))
    if (m := BEFORE_AFTER.search(rest)):
        take(m)
        y, before = int(m.group(2)), m.group(1) in ("before", "prior to", "earlier than")
        since = m.group(1) == "since"
        conds.append(Condition("release", f"came out {m.group(1)} {y}",
                               lambda v, y=y, b=before, s=since: v.date[0] < y if b else (v.date[0] >= y if s else v.date[0] > y)))
    if (m := DECADE.search(rest)):
        take(m)
        d = m.group(1)
        start = int(d) if len(d) == 4 else (1900 + int(d) if int(d) >= 30 else 2000 + int(d))
        conds.append(Condition("release", f"came out in the {start}s", lambda v, s=start: s <= v.date[0] < s + 10))
    if (m := SEASON.search(rest)):
        take(m)
        months = SEASONS[m.group(1)]
        span = f"{MONTH_NAMES[months[0] - 1].title()}–{MONTH_NAMES[months[-1] - 1].title()}"
        conds.append(Condition("release", f"came out in {m.group(1)} ({span})",
                               lambda v, ms=months: None if v.date[1] is None else v.date[1] in ms))
        # "in the winter, like December to February": the months only say what the season is
        rest = " ".join(w for w in rest.split() if _month(w) not in months)
    if (m := MONTH_RANGE.search(rest)):  # "january through june", "jul-dec"
        take(m)
        a, b = _month(m.group(1)), _month(m.group(2))
        months = tuple((a - 1 + i) % 12 + 1 for i in range((b - a) % 12 + 1))
        conds.append(Condition("release", f"came out {MONTH_NAMES[a - 1].title()}–{MONTH_NAMES[b - 1].title()}",
                               lambda v, ms=months: None if v.date[1] is None else v.date[1] in ms))
    month = MONTH.search(rest)
    if month:
        take(month)
        mo = _month(month.group(1))
        conds.append(Condition("release", f"came out in {MONTH_NAMES[mo - 1].title()}",
                               lambda v, mo=mo: None if v.date[1] is None else v.date[1] == mo))
    years = YEAR.findall(rest)
    if years:  # "in 2012 or 2013": any of them
        for y in years:
            rest = " ".join(rest.replace(y, " ", 1).split())
        ys = sorted({int(y) for y in years})
        shown = " or ".join(str(y) for y in ys)
        conds.append(Condition("release", f"came out in {shown}", lambda v, ys=ys: v.date[0] in ys))
    for kind, patterns, verb in (("director", DIRECTOR, "were directed by"), ("cast", ACTOR, "star")):
        for p in patterns:
            m = p.search(rest)
            if not m or any(w in NOT_NAME for w in m.group(1).split()):
                continue
            name = m.group(1)
            known = [v for f in catalog.films for v in f.values.get(kind, []) if _name_in(name, v.text)]
            if not known and (m.group(0).startswith(("with", "by ")) or m.start() == 0):
                continue  # "films with zombies", "by the sea": only a name the articles give
            take(m)
            shown = _spelling(name, known)
            conds.append(Condition(kind, f"{verb} {shown}", lambda v, n=name: _name_in(n, v.text)))
            break
    superlative = SUPERLATIVE.search(rest)
    if not superlative and re.search(r"\b(releas\w*|came out|come out|made)\b", text):
        superlative = re.search(r"\b(first|last)\b", rest)  # "what was the first film released?"
    compare = COMPARE.search(rest) if len(named) >= 2 else None
    strict = DESCRIBES.search(question)
    unexplained = [w for w in rest.split() if w not in FILLER]
    topic = [w for w in unexplained if zipf(w) < CHATTER_ZIPF and in_articles(w)]
    lacking = [w for w in unexplained if SLANG_ZIPF <= zipf(w) < CHATTER_ZIPF and not in_articles(w)]
    if unexplained and (strict or lacking or not FILM_NOUN.search(text) or (topic and means_a_story(topic))):
        return None  # what a film is about, or chatter in a question that is not after films ("what happened in 1987?")
    if len(named) >= 2 and not conds and compare:
        kind, largest = _order_of(compare.group(1), text)
        return Parsed("compare", kind=kind, largest=largest, named=named)
    if len(named) == 1:
        return None
    if superlative:
        kind, largest = _order_of(superlative.group(1), text)
        return Parsed("superlative", conds, kind, largest, named)
    if conds and COUNT.search(text):
        return Parsed("count", conds, named=named)
    if conds and FRAME.search(text):
        return Parsed("filter", conds, named=named)
    return None


def _singular(what: str) -> str:
    """"were directed by X and run over 120 minutes" for one film: "was directed by X and runs over 120 minutes"."""
    return re.sub(r"\b(were|are|run|star)\b(?= )", lambda m: {"were": "was", "are": "is", "run": "runs",
                                                              "star": "stars"}[m.group(1)], what)


def _order_of(word: str, text: str) -> tuple[str, bool]:
    """Which value orders the films, and whether the answer is the largest (latest, longest)."""
    if re.search(r"long|short", word):
        return "duration", word.startswith("long")
    if word in ("first", "last") and re.search(r"\b(long|runtime|minutes)\b", text):
        return "duration", word == "last"
    return "release", word in ("later", "latest", "newer", "newest", "more recent", "most recent", "most recently",
                               "after", "last", "came out last", "released last")


def _spelling(name: str, values: list[Value]) -> str:
    """A person's name as an article writes it ("Park Jin-Pyo"), else as asked, capitalised."""
    for v in values:
        for part in re.split(r"\s*,\s*|\s+and\s+", v.text):
            if " ".join(words(part)) == name:
                return part.strip()
    return name.title()


# ---------------------------------------------------------------- answering

def answer_structured(composer, r, note: str = ""):
    """An ``Answer`` for a question over the catalog, or None to let retrieval answer it."""
    q = r.query
    if q.focus or asked(q.text):  # a follow-up about one film; a fact the catalog does not hold ("most awards")
        return None
    catalog = catalog_for(composer.searcher)
    searcher = composer.searcher
    known, story = (lambda w: searcher.mentions.mentioned((w,))), searcher.means_a_story
    named = [t.key for t in sorted(q.titles, key=lambda t: t.span[0])]  # in the order the question names them
    text = q.search_text if not q.focus else q.text  # typos read as the words they stand for ("octobr")
    parsed = parse(text, named, catalog, known, story)
    if parsed is None and len(named) < 2 and COMPARE.search(q.text.lower()):
        # "marathon or daisy, which one is older": two or more titles compared are titles, however they are typed
        loose = [t.key for t in sorted(searcher.catalog.match(q.text, loose=True), key=lambda t: t.span[0])]
        parsed = parse(text, loose, catalog, known, story) if len(loose) >= 2 else None
        parsed = parsed if parsed and parsed.form == "compare" else None
    if parsed is None:
        return None
    return _Reply(composer, r, catalog, parsed, note).answer()


def _date_key(v: Value) -> tuple:
    y, m, d = v.date
    return (y, m or 0, d or 0)


def _when(v: Value) -> str:
    return v.text if v.kind != "duration" else f"{v.minutes} minutes" if v.minutes is not None else v.text


class _Reply:
    """One answer being written: the films, their cited values, and the passages those citations number."""

    def __init__(self, composer, r, catalog: Catalog, parsed: Parsed, note: str):
        from .render import escape_md

        self.c, self.r, self.catalog, self.p, self.note = composer, r, catalog, parsed, note
        self.esc = escape_md
        self.hits, self.sentences = [], {}
        self.rank = {h.chunk.id: n for n, h in enumerate(r.hits)}
        self.film_rank = {f.key: n for n, f in enumerate(r.films)}

    def cite(self, v: Value) -> str:
        """Citation numbers of a value; of its statements, the passage retrieval ranks higher is cited first."""
        facts = sorted(v.facts, key=lambda f: self.rank.get(f.chunk.id, len(self.rank)))
        return "".join(f"[{n}]" for n in self.c.cite_facts(self.r, facts, self.hits, self.sentences))

    def film(self, f: FilmEntry) -> str:
        return f"**{self.esc(f.name)}**"

    def finish(self, lead: str, films: list[FilmEntry], abstained: bool = False):
        names = [] if abstained else [f.name for f in films]
        return self.c._finish(self.r, lead, names, self.hits, abstained=abstained, note=self.note,
                              sentences=self.sentences, limit=max(len(self.hits), 1))

    def names(self, films: list[FilmEntry]) -> str:
        names = [self.film(f) for f in films]
        return ", ".join(names[:SHOWN_MISSING]) + (f" and {len(names) - SHOWN_MISSING} more" if len(names) > SHOWN_MISSING else "")

    def missing(self, kind: str, films: list[FilmEntry]) -> str:
        return f"The articles don't give the {NOUN[kind]} for {self.names(films)}." if films else ""

    def answer(self):
        return {"filter": self.filtered, "count": self.filtered, "superlative": self.superlative,
                "compare": self.compare}[self.p.form]()

    # -- filters and counts
    def select(self) -> tuple[list[tuple[FilmEntry, list[Value]]], dict[str, list[FilmEntry]], list[FilmEntry]]:
        """Films meeting every condition (with the values that qualified them), films lacking a value, too-vague ones."""
        pool = [self.catalog.get(k) for k in self.p.named if self.catalog.get(k)] or self.catalog.films
        chosen, lacking, vague = [], {}, []
        for f in pool:
            used, ok = [], True
            for cond in self.p.conditions:
                vs = f.values.get(cond.kind) or []
                if not vs:
                    lacking.setdefault(cond.kind, []).append(f)
                    ok = False
                    break
                results = [(v, cond.test(v)) for v in vs]
                good = [v for v, t in results if t]
                if not good:
                    ok = False
                    if all(t is None for _, t in results):
                        vague.append(f)
                    break
                used += [v for v in good if v not in used]
            if ok:
                chosen.append((f, used))
        return chosen, lacking, vague

    def filtered(self):
        chosen, lacking, vague = self.select()
        chosen.sort(key=lambda fu: self.film_rank.get(fu[0].key, len(self.film_rank)))  # the question's words break ties
        what = " and ".join(c.words for c in self.p.conditions)
        items = [f"{self.film(f)} ({'; '.join(self.esc(_when(v)) + ' ' + self.cite(v) for v in used)})" for f, used in chosen]
        notes = []
        for kind, films in lacking.items():
            if kind in ("release", "duration", "director"):
                total = len(self.catalog.films) if not self.p.named else len(self.p.named)
                notes.append(f"The {NOUN[kind]} is stated for {total - len(films)} of the {total} films; "
                             f"the articles don't give it for {self.names(films)}.")
        if vague:
            notes.append("The articles give only the year for " + self.names(vague) + ", so they can't say whether "
                         "those match.")
        if not chosen:
            lead = f"The articles name no film that {_singular(what)}." + ("" if not notes else " " + " ".join(notes))
            return self.finish(lead, [], abstained=True)
        if self.p.form == "count":
            lead = (f"**{len(chosen)}** of the films in the articles {what}: " if len(chosen) > 1 else
                    f"**1** film in the articles {_singular(what)}: ") + ", ".join(items) + "."
        else:
            lead = (f"{len(chosen)} films {what}: " if len(chosen) > 1 else f"One film {_singular(what)}: ") + ", ".join(items) + "."
        if notes:
            lead += " " + " ".join(notes)
        return self.finish(lead, [f for f, _ in chosen])

    # -- superlatives
    def superlative(self):
        kind, largest = self.p.kind, self.p.largest
        chosen, lacking, vague = self.select() if self.p.conditions else ([(f, []) for f in self.catalog.films], {}, [])
        pool = [f for f, _ in chosen]
        stated = [f for f in pool if f.value(kind) is not None and (kind != "duration" or f.value(kind).minutes)]
        key = (lambda f: f.value(kind).minutes) if kind == "duration" else (lambda f: _date_key(f.value(kind)))
        word = {("duration", True): "the longest", ("duration", False): "the shortest",
                ("release", True): "the most recent", ("release", False): "the earliest"}[(kind, largest)]
        scope = ("films that " + " and ".join(c.words for c in self.p.conditions)) if self.p.conditions else "films"
        if not stated:
            return self.finish(f"The articles don't give the {NOUN[kind]} for any of the {len(pool)} {scope}, so they "
                               f"can't say which is {word}.", [], abstained=True)
        ranked = sorted(stated, key=key, reverse=largest)
        best = ranked[0]
        ties = [f for f in ranked if key(f) == key(best)]
        vague_tie = []
        if kind == "release":  # a bare year may hide a date before or after the winner's
            y = best.value(kind).date[0]
            vague_tie = [f for f in ranked[1:] if f.value(kind).date[0] == y and f.value(kind).date[1] is None]
        head = " and ".join(f"{self.film(f)} ({self.esc(_when(f.value(kind)))} {self.cite(f.value(kind))})" for f in ties)
        verb = "are" if len(ties) > 1 else "is"
        runners = [f for f in ranked[len(ties):len(ties) + 2] if f not in vague_tie]
        if len(stated) < len(pool):
            lead = (f"The {NOUN[kind]} is stated for {len(stated)} of the {len(pool)} {scope}; of those, {head} {verb} "
                    f"{word}.")
        else:
            lead = f"{head} {verb} {word} of the {len(pool)} {scope}."
        if vague_tie:
            lead += (" The articles give only the year for " + ", ".join(
                f"{self.film(f)} ({self.esc(f.value(kind).text)} {self.cite(f.value(kind))})" for f in vague_tie)
                + ", so it may be " + word.replace("the ", "") + " too.")
        if runners:
            lead += " Then " + ", ".join(f"{self.film(f)} ({self.esc(_when(f.value(kind)))} {self.cite(f.value(kind))})"
                                         for f in runners) + "."
        missing = [f for f in pool if f not in stated]
        if missing:
            lead += " " + self.missing(kind, missing)
        return self.finish(lead, ties + vague_tie + runners)

    # -- comparisons of named films
    def compare(self):
        kind, largest = self.p.kind, self.p.largest
        films = [self.catalog.get(k) for k in self.p.named if self.catalog.get(k)]
        gone = [f for f in films if f.value(kind) is None or (kind == "duration" and f.value(kind).minutes is None)]
        known = [f for f in films if f not in gone]
        verb = {"duration": "runs", "release": "came out"}[kind]
        key = (lambda f: f.value(kind).minutes) if kind == "duration" else (lambda f: _date_key(f.value(kind)))
        ranked = sorted(known, key=key, reverse=largest)

        def said_of(fs):
            return ", ".join(f"{self.film(f)} {verb} {'' if kind == 'duration' else ('on ' if f.value(kind).date[1] else 'in ')}"
                             f"{self.esc(_when(f.value(kind)))} {self.cite(f.value(kind))}" for f in fs)

        said = said_of(ranked)
        if gone:
            lead = (f"I can't compare them: the articles don't give the {NOUN[kind]} of "
                    + " or ".join(self.film(f) for f in gone) + "." + (f" {said[0].upper()}{said[1:]}." if said else ""))
            return self.finish(lead, [], abstained=True)
        a, b = ranked[0], ranked[1]
        if kind == "release":
            va, vb = a.value(kind).date, b.value(kind).date
            if va[0] == vb[0] and (va[1] is None or vb[1] is None):
                vaguer = a if va[1] is None else b
                return self.finish(f"I can't tell which came out {'later' if largest else 'first'}: both came out in "
                                   f"{va[0]}, and the articles give no exact date for {self.film(vaguer)}. {said}.",
                                   [], abstained=True)
        if key(a) == key(b):
            same = "run the same time" if kind == "duration" else "came out on the same date"
            return self.finish(f"{self.film(a)} and {self.film(b)} {same}: {said}.", ranked)
        word = {("duration", True): "is longer", ("duration", False): "is shorter", ("release", True): "came out later",
                ("release", False): "came out first"}[(kind, largest)]
        if len(films) > 2:
            word = {"is longer": "is the longest", "is shorter": "is the shortest", "came out later": "came out last",
                    "came out first": "came out first"}[word]
        yes = ""
        if re.match(r"^\s*(is|was|did|does)\b", self.r.query.text, re.I):
            yes = "Yes — " if ranked[0].key == self.p.named[0] else "No — "
        return self.finish(f"{yes}{self.film(a)} {word}: {said}.", ranked)
