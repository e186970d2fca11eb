"""What a question asks of the film catalog, read without a language model: conditions on stated values
(year, month, season, decade, ranges, runtime, director, actor, true story), a comparison between named
films, a superlative or a count — or None, and the question goes to retrieval.

Recognition is conservative: besides its conditions, a question may hold only question words, chatter
(very common words, or words no article has that are rare in English) and words that, alone, mean no story
a film's sentence tells; a question that describes a story ("which 2013 film is about a prisoner?") is
retrieval's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .catalog import Catalog, FilmEntry, Value
from .facts import fact_kind
from .mentions import is_english
from .question import Query, sentences
from .text import CONNECTORS, DESCRIBES, MONTH_NAMES, POSSESSIVE, QUESTION_WORDS, YEAR, word_tokens, words, zipf

# how months are shortened when typed ("sept–nov"), each to its month's number
MONTH_SHORT = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
               "nov": 11, "dec": 12}
SEASONS = {"spring": (3, 4, 5), "summer": (6, 7, 8), "autumn": (9, 10, 11), "fall": (9, 10, 11), "winter": (12, 1, 2)}
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "ninety": 90, "hundred": 100}
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
    "ever among half counting exactly go goes past but make makes duration including included inclusive "
    "give gimme want need find looking recommend suggest time "
    # asking for the list itself ("what are my options", "which ones fit both?")
    "options option choices choice picks suggestions recommendations fit fits match matches meet qualify "
    "could would can you identify tell help know see check get also too still just only even really date dates stated "
    "given known max maximum tops everything strictly mostly ideally preferably either here clock clocks random "
    "wht wat wich whch "  # question words typed short
    "cast casts lineup "
    # contractions as words() leaves them, apostrophe dropped
    "im ive id youre youve youd theyre theyve thats whats whos dont doesnt didnt isnt arent wasnt werent cant couldnt "
    "wont wouldnt shouldnt hes shes lets".split()
) | set(MONTH_NAMES) | set(MONTH_SHORT) | set(SEASONS) | set(NUMBERS)

# the words of a comparison itself ("which came out first, X or Y?", "is X longer than Y?"): not a title
COMPARING = QUESTION_WORDS | set("than vs versus came come out released release runs run longer shorter first earlier "
                                 "older before later newer after last more recent one".split())
ALTERNATIVE = r"\b(than|or|vs|versus|before|after)\b"  # what sets two films side by side
CLAUSE_END = re.compile(r"\s[-–—]\s|[,;:?!]")
# a given name typed in lower case is a rare word ("chan" 4.0, "min" 4.4; not "young" 5.4, "plays" 4.8, "dies")
GIVEN_NAME_ZIPF = 4.5
# where a question names a person: "did X direct", "has X been in", "is X in"
PERSON_SLOT = re.compile(r"\b(?:did|does|has|have|is|was)\s+([a-z]+(?:[ -][a-z]+){1,2})\s+(?:direct|directed|make|made|"
                         r"star|starred|act|acted|been in|in)\b")
# where a question names a film: "is X on any of these lists?", "does anyone recommend X?", "have you seen X?",
# "is X worth watching?", "does X have a sad ending?"; and, opening a conversation, "what's X about?" (later in
# one, "what was the court case about?" asks of the film it is about)
TITLE_SLOT = re.compile(r"\bis (.+?) (?:on|in) (?:any of )?(?:these|the|this|your) (?:lists?|articles?)\b"
                        r"|\b(?:recommend|(?:have|did) (?:you|u) (?:ever )?(?:seen|watched|heard of)) ([^?.!,]+?)\s*[?.!,]"
                        r"|\bis ([^?.!,]+?) worth (?:watching|seeing|it)\b|\bdoes ([^?.!,]+?) have (?:a|an) (?:\w+ )?ending\b")
ABOUT_SLOT = re.compile(r"^\W*(?:(?:so|ok|okay|and|but|hey) )*(?:whats|what's|what is|what was) ([^?.!,]+?) about\s*[?.!]*$")
# a run in a title slot that is a request or a kind, not a title ("recommend a sad movie?", "recommend me …")
NOT_TITLE = re.compile(r"^(?:a|an|some|any|me|us|there|here|something|anything|everything|all|every|which|what|one|it|that|this|them|films?|movies?"
                       r"|he|she|they|his|her|their)\b"
                       r"|\b(?:films?|movies?|dramas?|shows?|ones?|stor(?:y|ies)|plot|ending|title|name|book|novel)\b")
MAX_COMPARED = 3  # more films named than this, and "the oldest" among them ranks a list rather than compares
MAX_TITLE_WORDS = 6  # the longest run of words read as a film's title the articles lack (the shipped titles: 1-5)
# words that are never part of a person's name in a question ("did the director of Hope direct")
NOT_NAME = set("the a an it its this that these those which what who film films movie movies he she they his her their "
               "director directors actor actors same other also".split())
TRUE = re.compile(r"\b(based on|inspired by) (a |an |the )?(true|real|actual) (story|stories|events?|cases?|life|incidents?)\b"
                  r"|\b(true|real|actual) (life |)(story|stories|events?|cases?|life) (based|inspired)\b"  # "real-life-inspired"
                  r"|\btrue (story|stories|events)\b|\breal (events|life events|cases)\b")
BETWEEN = re.compile(r"\b(?:(?:between|from) )?((?:19|20)\d\d) (?:(?:and|to|until|through|thru) )?((?:19|20)\d\d)\b")
BEFORE_AFTER = re.compile(r"\b(before|prior to|earlier than|after|since|later than) (\d{4})\b")
# a year and those on one side of it, as (pattern, up to the year): "2009 or before", "up to 2009" / "2010 and
# later", "2012 onwards"
ONE_SIDE = (
    (re.compile(r"\b(\d{4}) (?:or|and) (?:before|earlier|prior|older)\b|\b(?:up to|until|no later than|not after) "
                r"(\d{4})\b"), True),
    (re.compile(r"\b(\d{4}) (?:or|and) (?:after|later|newer|since|up)\b|\b(\d{4}) onwards?\b|\b(?:no earlier than|"
                r"not before) (\d{4})\b|\bfrom (\d{4}) on(?= *[?.!,;]| *$)"), False),  # not "from 2016 on these lists"
)
DECADE = re.compile(r"\b(?:the )?((?:19|20)?\d0)s\b")
MONTH = re.compile(r"\b(" + "|".join(MONTH_NAMES + list(MONTH_SHORT)) + r")\b")
MONTH_RANGE = re.compile(r"\b(?:from )?" + MONTH.pattern + r" (?:to|through|thru|till|until|and)? ?" + MONTH.pattern)
HALF = re.compile(r"\b(first|second|1st|2nd) half of (?:the |a |each )?year\b")
SEASON = re.compile(r"\b(?:(?:in|during) (?:the )?)?(spring|summer|autumn|fall|winter)\b")
AMOUNT = r"(\d+(?: \d)?|an?|one|two|three|four)(?: and a half)?"
# "1h50 max", "1 hr 50 min tops", "110 mins max": at most; "2h or more": at least
HOURS_MINUTES = r"(\d+) ?h(?:rs?|ours?)? ?(\d+)? ?(?:m|mins?|minutes)?|(\d+) ?(?:mins?|minutes)"
RUNTIME_CAP = re.compile(r"\b(?:" + HOURS_MINUTES + r") (max|maximum|tops|or less|at most|or more|minimum|at least)\b")
DURATION = r"(\d+) ?(?:hours?|hrs?|h)(?: (?:and )?(\d+) ?(?:minutes?|mins?|m))?|(\d+) ?(?:minutes?|mins?)"
RUNTIME_SPAN = re.compile(r"\b(?:between|from) (?:" + DURATION + r") (?:and|to) (?:" + DURATION + r")(?!\w)")  # "2 hours and 2 hours 10 minutes"
RUNTIME_RANGE = re.compile(r"\b(?:between|from) (\d+) (?:and|to) (\d+) (hours?|hrs?|minutes?|mins?|min)\b")
RUNTIME = re.compile(r"\b(over|more than|longer than|at least|above|past|beyond|exceeding|under|less than|shorter than|"
                     r"at most|below|within|exactly) " + AMOUNT + r" (hours?|hrs?|minutes?|mins?|min)\b")
LONGER = ("over", "more than", "longer than", "at least", "above", "past", "beyond", "exceeding")
NAME = r"([a-z]+(?: [a-z]+){1,3}?)"
END = r"(?= in it| in them| before| after| in | between| and | run| is | are | was | were | came| released|$)"  # where a name in a question ends
SURNAME = r"\b.{0,40}?\b(?:surname|last name|family name) (?:is |of )?([a-z]+)\b"  # "… with the surname Lee"
DIRECTOR = [re.compile(r"\bdirect\w*" + SURNAME),
            re.compile(r"\bdirected by " + NAME + END),
            re.compile(r"\b(?:did|has|have) " + NAME + r" direct(?:ed)?\b"),
            re.compile(r"\bby (?:director )?" + NAME + END)]
ACTOR = [re.compile(r"\b(?:star\w*|act\w*|cast|featuring)" + SURNAME),
         re.compile(r"\b(?:starring|featuring|with) " + NAME + END),
         re.compile(r"\b(?:does|did|has|have) " + NAME + r" (?:star|act|appear|play)(?:red|ed|s)?\b"),
         re.compile(r"\b(?:films?|movies?) (?:stars?|starring|with) " + NAME + END),
         re.compile(r"\b(?:actor|actress) " + NAME + END),  # "a fan of actress Na Moon-hee. In which films …"
         re.compile(r"^" + NAME + r"(?= (?:films?|movies?|flicks?|pics?)\b)")]  # "son ye jin movies?": a known name only
SUPERLATIVE = re.compile(r"\b(longest|shortest|earliest|oldest|latest|newest|most recent(?:ly)?|(?:came out|released) "
                         r"(?:first|last))\b")
# "any other film", "other movies", "anything else" (not "the other one": an earlier film of the conversation)
OTHER_WORK = re.compile(r"\b(any|some|what|which) other (films?|movies?|ones|work)\b|\bother (films|movies)\b"
                        r"|\b(anything|what) else\b"  # "what else did he direct?"
                        r"|\b(he|she|they) also (make|made|direct|directed|do|did)\b")  # "didnt he also make some …"
CAST_REF = re.compile(r"\b(her|him|she|he|they|them|actor|actors|actress|actresses|cast|star|stars|starring|in it)\b")
PERSON_REF = re.compile(r"\b(he|she|him|her|his|they|them)\b")
DIRECTS = re.compile(r"\b(direct\w*|make|makes|made|making)\b")
COMPARE = re.compile(r"\b(first|earlier|earliest|older|oldest|before|later|latest|newer|newest|more recent|after|last|"
                     r"longer|longest|shorter|shortest)\b")
# a question after a set of films: it names them as films ("movies under 110 minutes?", "anything from 2013?"),
# or asks which / how many
FILM_NOUN = re.compile(r"\b(films?|movies?|ones|flicks?|pics?|pictures?|titles?|releases|anything|something|stuff)\b")
FRAME = re.compile(FILM_NOUN.pattern + r"|\bany\b|^(which|what|whats|wht|wat|wich|list|name|show)\b|^(how many|number of|count)\b"
                   r"|\bwhich (one|ones|of)\b"
                   r"|\bdid .+ direct\b")
# a clause about the one asking ("my mom loves …", "i'm teaching …", "we want …")
USER = re.compile(r"^(?:(?:and|but|so|well|ok|okay|hey|hi|also|ugh|omg|lol|hmm|oh|honestly|btw) )*"
                  r"(?:i|i'm|im|i've|ive|i'd|id|my|me|we|we're|our"
                  r"|(?:want|wanna|need|gonna|planning|hoping|trying|thinking) (?:to|of|on)?)\b")  # "want to do a marathon …"
# a clause that gives the asker's reason ("so it's at least over quick", "because my kids are young")
REASON = re.compile(r"^(?:so|because|bc|cause|cuz|since|as) (?!.*\d)")
# a comparison of two films ("which is longer, that or the first one?", "is it older than the other one?")
TWO_COMPARED = re.compile(rf"(?=.*{COMPARE.pattern})(?=.*\b(or|than|vs|versus)\b)", re.I)
# the last two films of a conversation, compared ("ok which of the two is shorter")
THE_TWO = re.compile(r"\b(the two|these two|those two|the 2|both of them|of them|between them)\b", re.I)
# a comparative asked of no film ("so which ones longer", "which is older?"): the conversation's last two films
COMPARATIVE = re.compile(r"^\W*(?:(?:so|ok|okay|and|then|but)\W+)*(?:which|what|who)\b(?!.*\bthan\b).*\b(longer|shorter|older|"
                         r"newer|earlier|later|more recent)\b", re.I)
# "which one came out first?" with two films in the conversation: those two (a year makes it a filter)
ONE_OF_TWO = re.compile(r"^\W*(?:(?:so|ok|okay|and|then|but|hmm)\W+)*which(?: one)?\s+(?:one\b|is|was|came|comes|come|runs|"
                        r"ran|released|premiered|did)\b(?!.*\b(?:19|20)\d\d\b)", re.I)  # "which came out first?" (not "which film …")
# "which came out in winter?": only films come out
RELEASED = re.compile(r"^\W*(which|what|wht)\s+(ones?\s+)?(came out|come out|were released|was released|released|premiered)\b")
OF_THEM = re.compile(r"\b(any|which|all|none|how many|each|either) of (them|these|those|the two)\b")  # the films
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
    exclude: list[str] = field(default_factory=list)  # "any other film": the conversation's film is left out
    within: str | None = None  # the article whose films ``named`` are ("on the '10 touching …' list")


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
          means_a_story=lambda words: True, respelled: dict[str, str] | None = None,
          titled: frozenset[int] = frozenset()) -> Parsed | None:
    """What the question asks of the catalog, or None when it is not such a question (a word is left unexplained).

    A sentence that describes a story must have every word accounted for ("which 2013 film is about a
    prisoner?" is retrieval's); elsewhere the question may also hold chatter (``CHATTER_ZIPF``, ``SLANG_ZIPF``;
    ``in_articles`` says whether any article has a word) and other words of the articles, as long as they do
    not mean something a film's sentence says (``means_a_story``: "my mom only really enjoys older movies" does
    not, "prison" does). Words the question only has as typos read (``respelled``: each word read -> as typed,
    "smith" -> "smth") and words of a sentence around the question that asks nothing of the films ("I have a
    long flight coming up.") are never taken for a topic the articles lack; two named films compared are what
    the question is about, whatever else it says of them. ``titled``: the positions of the question's words
    that name films (the words as typed; else each title is looked for by its name)."""
    respelled = respelled or {}
    text = " ".join(words(question))
    rest = text
    conds: list[Condition] = []

    def take(m):
        nonlocal rest
        rest = " ".join(rest.replace(m.group(0), " ", 1).split())

    if titled:  # the words the titles were matched on, as typed ("spirits homecomming")
        rest = " ".join(w for i, w in enumerate(text.split()) if i not in titled)
    for title in [" ".join(words(catalog.get(k).name)) for k in named if catalog.get(k)]:
        rest = rest.replace(title, " ")
    conds += _person(rest, text, catalog, take, respelled)  # first: "lee jun ik" is a name, not June
    if (m := TRUE.search(rest)):
        take(m)
        conds.append(Condition("true_story", "are based on a true story or real events", lambda v: True))
    span = None
    if (m := RUNTIME_RANGE.search(rest)):  # "between 112 and 124 minutes"
        span = sorted((_amount(m.group(1), m.group(3), False), _amount(m.group(2), m.group(3), False)))
    elif (m := RUNTIME_SPAN.search(rest)):  # "between 2 hours and 2 hours 10 minutes"
        g = m.groups()
        span = sorted(int(h) * 60 + int(mi or 0) if h else int(x) for h, mi, x in (g[0:3], g[3:6]))
    if span:
        take(m)
        a, b = span
        conds.append(Condition("duration", f"run {a} to {b} minutes",
                               lambda v, a=a, b=b: v.minutes is not None and a <= v.minutes <= b))
    if (m := RUNTIME_CAP.search(rest)):  # "i have like 1h50 max"
        take(m)
        limit = int(m.group(1)) * 60 + int(m.group(2) or 0) if m.group(1) else int(m.group(3))
        up = m.group(4) in ("or more", "minimum", "at least")
        conds.append(Condition("duration", f"run {'at least' if up else 'at most'} {limit} minutes",
                               lambda v, L=limit, up=up: v.minutes is not None and (v.minutes >= L if up else v.minutes <= L)))
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
    for pattern, before in ONE_SIDE:
        if (m := pattern.search(rest)):
            take(m)
            y = int(next(g for g in m.groups() if g))
            conds.append(Condition("release", f"came out in {y} or {'before' if before else 'after'}",
                                   lambda v, y=y, b=before: v.date[0] <= y if b else v.date[0] >= y))
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
    if (m := HALF.search(rest)):  # "in the second half of the year"
        take(m)
        months = (1, 2, 3, 4, 5, 6) if m.group(1) in ("first", "1st") else (7, 8, 9, 10, 11, 12)
        conds.append(Condition("release", f"came out {MONTH_NAMES[months[0] - 1].title()}–{MONTH_NAMES[months[-1] - 1].title()}",
                               lambda v, ms=months: None if v.date[1] is None else v.date[1] in ms))
    if (m := MONTH_RANGE.search(rest)):  # "january through june", "jul-dec"
        take(m)
        a, b = _month(m.group(1)), _month(m.group(2))
        months = tuple((a - 1 + i) % 12 + 1 for i in range((b - a) % 12 + 1))
        conds.append(Condition("release", f"came out {MONTH_NAMES[a - 1].title()}–{MONTH_NAMES[b - 1].title()}",
                               lambda v, ms=months: None if v.date[1] is None else v.date[1] in ms))
    months = sorted({_month(m) for m in MONTH.findall(rest)})
    if months:  # "in october or november": any of them
        rest = " ".join(w for w in rest.split() if _month(w) is None)
        shown = " or ".join(MONTH_NAMES[mo - 1].title() for mo in months)
        conds.append(Condition("release", f"came out in {shown}",
                               lambda v, ms=months: None if v.date[1] is None else v.date[1] in ms))
    years = YEAR.findall(rest)
    if years:  # "in 2012 or 2013": any of them
        for y in years:
            rest = " ".join(rest.replace(y, " ", 1).split())
        ys = sorted({int(y) for y in years})
        shown = " or ".join(str(y) for y in ys)
        conds.append(Condition("release", f"came out in {shown}", lambda v, ys=ys: v.date[0] in ys))
    for kind, patterns, verb in (("director", DIRECTOR, "were directed by"), ("cast", ACTOR, "star")):
        for p in patterns if not any(c.kind in ("director", "cast") for c in conds) else ():
            m = p.search(rest)
            if not m or any(w in NOT_NAME for w in m.group(1).split()):
                continue
            name = m.group(1)
            known = [v for f in catalog.films for v in f.values.get(kind, []) if _name_in(name, v.text)]
            if not known and (person := catalog.person(name.replace(" ", ""))):  # "Ryu Seung-ryong": Ryoo Seung-Ryong
                name = " ".join(person[0])
                known = [v for f in catalog.films for v in f.values.get(kind, []) if _name_in(name, v.text)]
            if not known and (m.group(0).startswith(("with", "by ")) or m.start() == 0):
                continue  # "films with zombies", "by the sea": only a name the articles give
            take(m)
            shown = _spelling(name, known)
            conds.append(Condition(kind, f"{verb} {shown}", lambda v, n=name: _name_in(n, v.text)))
            break
    conds = list({c.words: c for c in conds}.values())  # "the first half of the year (January through June)": once
    superlative = SUPERLATIVE.search(rest)
    if not superlative and re.search(r"\b(releas\w*|came out|come out|made)\b", text):
        superlative = re.search(r"\b(first|last)\b", rest)  # "what was the first film released?"
    compare = _comparator(rest) if len(named) >= 2 else None
    if not (conds or superlative or compare) or (len(named) == 1 and not compare):
        return None  # nothing asked of the catalog (checked first: telling chatter from a story costs an encode)
    # "X and Y are both 2013, which came out earlier?": values given, still compared; the oldest of a list is a superlative
    comparing = len(named) >= 2 and compare and not (superlative and len(named) > MAX_COMPARED)
    unexplained = [w for w in rest.split() if w not in FILLER]
    if set(unexplained) & _describing(question):
        return None  # what a film is about ("which 2013 film is about a prisoner?")
    topic = [w for w in unexplained if zipf(w) < CHATTER_ZIPF and in_articles(w)]
    aside = _asides(question, topic) | _about_the_user(question)
    topic = [w for w in topic if w not in aside]
    # a word may be a topic the articles lack ("robot"): not a number, a letter, a typo read or a word of an aside
    lacking = [w for w in unexplained if SLANG_ZIPF <= zipf(w) < CHATTER_ZIPF and not in_articles(w)
               and w.isalpha() and len(w) > 2 and w not in respelled and w not in aside]
    # a runtime is only ever a film's ("anything under 110 min?"); a year may be anything's ("what happened in 1987?")
    after_films = (FILM_NOUN.search(text) or OF_THEM.search(text) or RELEASED.search(text)
                   or any(c.kind == "duration" for c in conds))
    if unexplained and ((not comparing and (lacking or not after_films)) or (topic and means_a_story(topic))):
        return None  # a topic the articles lack or tell, or chatter in a question that is not after films
    if comparing:
        kind, largest = _order_of(compare.group(1), text)
        return Parsed("compare", kind=kind, largest=largest, named=named)
    if len(named) == 1:
        return None
    if superlative:
        kind, largest = _order_of(superlative.group(1), text)
        return Parsed("superlative", conds, kind, largest, named)
    if conds and COUNT.search(text):
        return Parsed("count", conds, named=named)
    if conds and (FRAME.search(text) or after_films):
        return Parsed("filter", conds, named=named)
    return None


def by_the_same_people(question: str, film: FilmEntry | None, previous: str = "") -> Parsed | None:
    """"did he make any other film?", "what other movie has her in it?" about the conversation's film: the other
    films its director made, or that someone of its cast is in. ``previous``: the question before; after "who
    made X?", "he" is X's director ("did he do any other movie?")."""
    low = question.lower()
    if not film or not OTHER_WORK.search(low):
        return None
    directed = DIRECTS.search(low) or (fact_kind(previous) == "director" and PERSON_REF.search(low))
    if directed:  # no director stated: not a question about its cast either
        if not (v := film.value("director")):
            return None
        name = " ".join(words(v.text))
        return Parsed("filter", [Condition("director", f"were directed by {v.text}", lambda x, n=name: _name_in(n, x.text))],
                      exclude=[film.key])
    cast = [part for v in film.values.get("cast", []) for part in v.names]
    if not (cast and CAST_REF.search(low)):
        return None
    names = [" ".join(words(c)) for c in cast if c]
    return Parsed("filter", [Condition("cast", f"also star someone of {film.name}'s cast", lambda x, ns=names: any(
        _name_in(n, x.text) for n in ns))], exclude=[film.key])


def compared_unknown(q: Query, films, mentioned) -> str | None:
    """A film compared with the one film a question names, typed in lower case, that no article mentions ("is
    christmas in august shorter than more than blue?" -> "christmas in august"): what is left once the title, the
    comparison and the question's other words are gone, when it is one run of words the articles do not have,
    some word of it in no article (``mentioned``: whether some passage has these words in this order).
    Capitalised names are read elsewhere; a title typed in lower case counts as one here, as in any comparison
    (``films``: the ``FilmCatalog``)."""
    low = q.spelled.lower()
    if not (COMPARE.search(low) and re.search(ALTERNATIVE, low)) or DESCRIBES.search(q.text):
        return None  # not "X or Y" / "X than Y"; or a film described ("the one about a prisoner")
    ws = words(q.text)
    # the clause that sets the films side by side ("parasite vs miracle in cell no 7 - which one is longer?")
    cuts = [0, *(len(words(q.text[:m.end()])) for m in CLAUSE_END.finditer(q.text)), len(ws)]
    titles = q.titles or films.match(q.text, loose=True)
    titled = {i for t in titles for i in range(*t.span)}  # "more than blue" sets nothing side by side
    a, b = next(((a, b) for a, b in zip(cuts, cuts[1:])
                 if re.search(ALTERNATIVE, " ".join(w for i, w in enumerate(ws[a:b], a) if i not in titled))), (0, len(ws)))
    titles = [t for t in titles if a <= t.span[0] and t.span[1] <= b]
    if len(titles) != 1:
        return None
    title = set(range(*titles[0].span))
    kept = [i for i in range(a, b) if i not in title and ws[i] not in COMPARING and ws[i] not in CONNECTORS]
    if not kept or title & set(range(kept[0], kept[-1] + 1)):
        return None
    run = tuple(ws[kept[0]:kept[-1] + 1])
    if len(run) > MAX_TITLE_WORDS or mentioned(run) or all(mentioned((w,)) for w in run if w not in CONNECTORS):
        return None  # the articles have it, or have each of its words ("the prisoner story": a film described)
    return " ".join(run)


def unknown_name(text: str, catalog: Catalog, mentioned, opening: bool = False) -> str | None:
    """A person or a film typed in lower case that no article names. A person ("did park chan wook direct any of
    these?", "who is kim ji-young"): a surname the catalog's people have, then one or two given names, rare words
    of which one at least is hyphen-joined, not an English word, or a given name the catalog has; or any run of
    words where a question names a person ("did X direct"); not found as written (``mentioned``) nor as a catalog
    person romanised another way. A film: a run of words where a question names one ("is X on any of these
    lists?", "does anyone recommend X?"; with ``opening``, the conversation's first question, "what's X about?" too)
    that no article has. Capitalised names are read elsewhere."""
    text = POSSESSIVE.sub("", text)  # "gong yoo's character": Gong Yoo
    toks = word_tokens(text)
    for i, (low, raw, _, end) in enumerate(toks):
        if raw[:1].isupper() or low not in catalog.surnames:
            continue
        run, at = [low], end
        for low2, raw2, start2, end2 in toks[i + 1:i + 3]:
            joined = text[at:start2] == "-"  # "ji-young": one name, however common its parts
            if not (raw2.isalpha() and raw2.islower() and (zipf(low2) < GIVEN_NAME_ZIPF or joined)
                    and low2 not in QUESTION_WORDS and text[at:start2] in (" ", "-")):
                break
            run.append(low2)
            at = end2
        hyphened = "-" in text[toks[i][2]:at]
        if len(run) < 2 or not (hyphened or any(not is_english(w) or w in catalog.given_names for w in run[1:])):
            continue
        if not mentioned(tuple(run)) and not catalog.person("".join(run)):
            return " ".join(run)
    for m in PERSON_SLOT.finditer(text):  # "did bong joon ho direct …": a name whatever its surname
        run = tuple(m.group(1).replace("-", " ").split())
        if all(zipf(w) < GIVEN_NAME_ZIPF and w not in QUESTION_WORDS for w in run) \
                and not mentioned(run) and not catalog.person("".join(run)):
            return " ".join(run)
    lowered = text.lower()
    slots = [*TITLE_SLOT.finditer(lowered), *(ABOUT_SLOT.finditer(lowered) if opening else [])]
    for m in slots:  # "is ode to my father on any of these lists?": a film no article has
        said = next(g for g in m.groups() if g).strip()
        run = tuple(words(said))
        if run and len(run) <= MAX_TITLE_WORDS and not NOT_TITLE.search(said) and not mentioned(run):
            return said
    return None


def _person(rest: str, text: str, catalog: Catalog, take, respelled: dict[str, str]) -> list[Condition]:
    """Directors or actors the catalog names, wherever the question names them ("what did park jin pyo make",
    "My mom loves Na Moon-hee, is she in any of the films?"): their films; as director when the question asks
    who directed or made, or when they only direct. Several named: films with any of them when the question
    says "or"/"either" ("gong yoo or song kang ho movies"), else films with all of them."""
    ws, i, people = rest.split(), 0, []
    while i < len(ws):
        if len(ws[i]) > 2 and ws[i] in FILLER or ws[i].isdigit():  # no name starts "which …" or "2013 …"
            i += 1
            continue
        for n in (4, 3, 2, 1):
            run = ws[i:i + n]
            loose = not any(len(w) > 2 and w in FILLER for w in run)  # romanised otherwise: only words a name may hold
            typed = [respelled.get(w, w) for w in run]  # as typed, not read ("smth")
            found = catalog.person("".join(run), loose) or (typed != run and catalog.person("".join(typed), loose))  # "son yejin"
            if found:
                take(re.search(rf"\b{re.escape(' '.join(ws[i:i + n]))}\b", rest))
                kinds, name = found[1], " ".join(found[0])
                kind = "director" if "director" in kinds and ("cast" not in kinds or DIRECTS.search(text)) else "cast"
                known = [v for f in catalog.films for v in f.values.get(kind, []) if _name_in(name, v.text)]
                people.append((kind, name, _spelling(name, known)))
                i += n
                break
        else:
            i += 1
    verb = {"director": "were directed by", "cast": "star"}
    if len(people) > 1 and len({k for k, _, _ in people}) == 1 and re.search(r"\b(or|either)\b", text):
        kind = people[0][0]
        return [Condition(kind, f"{verb[kind]} {' or '.join(shown for _, _, shown in people)}",
                          lambda v, ns=[n for _, n, _ in people]: any(_name_in(n, v.text) for n in ns))]
    return [Condition(kind, f"{verb[kind]} {shown}", lambda v, nm=name: _name_in(nm, v.text)) for kind, name, shown in people]


def _comparator(text: str) -> re.Match | None:
    """The word a comparison orders by; where the question has two that disagree ("she can only sit through the
    shorter one: Hope or Silenced, which one is longer?"), the one the question asks with."""
    found = list(COMPARE.finditer(text))
    if len({_order_of(m.group(1), text) for m in found}) > 1:
        asks = [m.start() for m in re.finditer(r"\b(which|what)\b", text)]
        return next((m for m in found if asks and m.start() > asks[-1]), found[0])
    return found[0] if found else None


def _describing(question: str) -> set[str]:
    """The words of the sentences that describe a film ("films that …", "about …"): there, every word must be
    explained; a sentence beside it may still hold chatter ("… released in october? need the list pls")."""
    return {w for p in _pieces(question) if DESCRIBES.search(p) for w in words(p)}


def _pieces(question: str) -> list[str]:
    """The question's sentences, their clauses after ";" or ":" and its parenthetical remarks, in lower case."""
    return [p.lower() for s in sentences(question) for p in re.split(r"(?<=[;:])\s+|\s*[()]\s*", s) if p.strip()]


def _asides(question: str, topic: list[str]) -> set[str]:
    """Words of the sentences around a question that ask nothing of the films ("I have a long flight coming up.
    Which films run over two hours?", "I can't do a long movie tonight."): not a question, no value, and no
    word of the articles rarer than chatter left unexplained (``topic``: a sentence that tells a story, "the
    prisoner wasn't related to him.", is no aside)."""
    pieces = _pieces(question)
    return {w for p in pieces if len(pieces) > 1 and not p.endswith("?") and not re.search(r"\d", p)
            and not (SUPERLATIVE.search(p) or COMPARE.search(p)) and not set(topic) & set(words(p)) for w in words(p)}


def _about_the_user(question: str) -> set[str]:
    """Words of clauses that tell about the one asking, not a film ("My dad only watches old stuff, anything from
    before 2005?", "I'm teaching a class on early-2000s melodrama, which films …"): a clause opening with I, my,
    we or our, that describes no story ("I want a film about a prisoner" does)."""
    clauses = [c for p in _pieces(question) for c in re.split(r"\s*[,;]\s*|\s+[–—-]\s+|\s+(?:but)\s+|\s+(?=so )", p) if c.strip()]
    return {w for c in clauses if len(clauses) > 1 and (USER.match(c) or REASON.match(c)) and not DESCRIBES.search(c)
            for w in words(c)}


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
        for part in v.names:
            if " ".join(words(part)) == name:
                return part
    return name.title()
