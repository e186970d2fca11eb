"""How question and article text is split into words, and which words carry no content.

One module owns this so that title matching, coverage, BM25 queries and evaluation
agree on what a word is.
"""

from __future__ import annotations

import functools
import re

# Connectors allowed inside a capitalised name or title ("Voice of a Murderer", "Ode to My Father").
MONTH_NAMES = "january february march april may june july august september october november december".split()
CONNECTORS = {"of", "the", "to", "in", "a", "an", "and", "with", "for", "no", "de", "on", "at", "from"}
# Words that carry no meaning of their own in a title ("The", "of", "No."): title matching and heading detection.
SMALL_WORDS = frozenset("a an the of to in on at and or for with is my by from no you".split())
# Words that carry no content in a question (for coverage and the BM25 query); title words are removed separately.
QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how is are was were be been do does did the a an of in on to for about "
    "with and or it its he him his she her they them their this that these those film films movie movies show shows "
    "drama dramas korean there any many much tell me please one ones story stories get got make made can could would "
    "should will i you your my we our us has have had named called mention mentions mentioned involve involves "
    "involved feature features featured deal deals dealt character characters "
    "whats whos hows whens wheres whys "  # "what's" is read as one word, "whats": a question word as "what" is
    # how people frame a search ("I always wanted to find a film about …"), not what the film is about
    "find looking search searching trying want wanted watched recall "
    # chat that asks nothing ("hmm ok. what about the one where …")
    "ok okay hmm um uh hey nah wait actually lol omg pls plz thanks thx yeah oh also too".split()
)
# A word at least this frequent in English (wordfreq's Zipf scale: 3 = once per million words) is an ordinary
# word: a title made of such words ("Hope", "Always", "My Father") is a title only when written as one.
# 3.3 keeps "busan" (3.05) and "taegukgi" (0) distinctive, and "silenced" (3.39), "daisy" (3.78) ordinary.
ORDINARY_ZIPF = 3.3


WORD_TOKENS_REMEMBERED = 256  # texts whose words are remembered: a question and the passages its answer reads (memory)
_WORD_AS_WRITTEN = re.compile(r"[0-9A-Za-z]+(?:[’'][0-9A-Za-z]+)*")
POSSESSIVE = re.compile(r"['’]s\b")  # "Seok Woo's job", "gong yoo's character": the name is without it


@functools.lru_cache(maxsize=WORD_TOKENS_REMEMBERED)
def word_tokens(text: str) -> tuple[tuple[str, str, int, int], ...]:
    """(lower-case word, word as written, start, end in ``text``) for each word; apostrophes join ("D’Amour" -> damour).
    Remembered: one question is read several times (titles, names, typos, content words, catalog conditions)."""
    out = []
    for m in _WORD_AS_WRITTEN.finditer(text):
        raw = m.group()
        if "’" in raw or "'" in raw:
            raw = raw.replace("’", "").replace("'", "")
        out.append((raw.lower(), raw, m.start(), m.end()))
    return tuple(out)


def words(text: str) -> list[str]:
    """Lower-case words of letters and digits, apostrophes dropped ("D’Amour" -> "damour")."""
    return [t[0] for t in word_tokens(text)]


@functools.cache
def phrases() -> dict:
    """The English phrase patterns the product reads with (patterns.toml): how a question asks for a fact, how a
    sentence states it, the cues of a plot line or a film description. Data, so they are changed in one place."""
    import tomllib
    from importlib.resources import files

    return tomllib.loads(files("filmchat").joinpath("patterns.toml").read_text(encoding="utf-8"))


def content_words(text: str, shortest: int = 2, drop: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """The words that carry what a question asks, in order, once each: not question words ("which", "film",
    "directed", "what's" …), not in ``drop``, at least ``shortest`` letters long."""
    return [w for w in dict.fromkeys(words(text)) if not question_word(w) and w not in drop and len(w) >= shortest]


@functools.cache
def zipf(word: str) -> float:
    """How common a word is in English (wordfreq's Zipf scale: 3 = once per million words, 6 = once per thousand)."""
    from wordfreq import zipf_frequency

    return zipf_frequency(word, "en")


def is_ordinary(word: str) -> bool:
    """An everyday English word (wordfreq), as opposed to a name or a rare word."""
    return word.isdigit() is False and zipf(word) >= ORDINARY_ZIPF


_BREAK = re.compile(r"[,;:?!()\[\]“”\"]|(?<!\bNo)\.\s|^")  # ends a run of capitalised words
_SENTENCE_START = re.compile(r"^\W*|[?!]\W*|(?<!\bNo)(?<!\bMr)(?<!\bDr)(?<!\bMs)(?<!\bMrs)\.\s\W*|\n\W*")


def question_word(w: str) -> bool:
    """A question word, or one with "'s" run on as ``words`` leaves it ("whos", "whats", "wheres")."""
    return w in QUESTION_WORDS or (w.endswith("s") and w[:-1] in QUESTION_WORDS)


def capitalised_runs(text: str) -> list[str]:
    """Runs of capitalised words, as written: names of people, films, places, awards, events.

    "Who directed The Handmaiden?" -> ["The Handmaiden"]; "What is Lee Chang-dong's film Poetry about?" ->
    ["Lee Chang-dong", "Poetry"]. A capitalised word that only starts a sentence is not a name on its own;
    when the whole question is capitalised (or shouted) case says nothing, and nothing is returned.
    """
    toks = word_tokens(text)
    letters = [t for t in toks if t[1][0].isalpha()]
    shouted = sum(t[1].isupper() for t in letters if len(t[1]) > 1) > 0.5 * max(1, sum(len(t[1]) > 1 for t in letters))
    if not letters or shouted or (len(letters) >= 4 and sum(t[1][0].isupper() for t in letters) >= 0.8 * len(letters)):
        return []
    breaks = sorted({m.end() for m in _BREAK.finditer(text)})
    starts = {m.end() for m in _SENTENCE_START.finditer(text)}
    runs: list[list[tuple[str, str, int, int]]] = []
    current: list[tuple[str, str, int, int]] = []
    prev_end = -1
    for w, raw, pos, end in toks:
        # a sentence break or punctuation between two words ends a run
        broken = any(prev_end <= b <= pos for b in breaks) or "," in text[max(prev_end, 0):pos]
        # "Chang-dong": a lower-case word hyphenated to a capitalised one belongs to it
        capital = raw[0].isupper() or (bool(current) and text[prev_end:pos] == "-") or (
            raw[0].isdigit() and bool(current) and current[-1][0] == "no")  # "Cell No. 7", not "Seoul in 1991"
        if (raw.isupper() and len(raw) > 1) or re.fullmatch(r"I(m|ve|d|ll)", raw):
            capital = False  # an acronym ("TV", "DNA") or a word stressed ("it gets SUPER sad") is no name; nor is "I'm"
        if current and (broken or not (capital or w in CONNECTORS)):
            runs.append(current)
            current = []
        if capital or (current and w in CONNECTORS):
            current.append((w, raw, pos, end))
        prev_end = end
    if current:
        runs.append(current)
    out = []
    for run in runs:
        while run and run[-1][0] in CONNECTORS:  # "Hope and" -> "Hope"
            run = run[:-1]
        first_pos = run[0][2] if run else 0
        sentence_start = first_pos in starts
        next_capital = len(run) > 1 and run[1][1][0].isupper()
        if run and sentence_start and (question_word(run[0][0]) or (is_ordinary(run[0][0]) and not next_capital)):
            run = run[1:]  # "Who", "Who's", "Which", "Did", "Tell" start the question, they are not a name
            while run and run[0][0] in CONNECTORS - {"the", "a", "an"}:
                run = run[1:]
        if run and not all(w in CONNECTORS or len(w) == 1 for w, *_ in run):
            start, end = run[0][2], run[-1][3]
            name = re.sub(r"[’']s$", "", text[start:end].strip())  # "Lee Chang-dong's" -> "Lee Chang-dong"
            out.append(name)
    return out


def quoted(text: str) -> list[str]:
    """Text in double quotes ("…" or “…”): a title or name the user is sure of."""
    return [m.strip() for m in re.findall(r"[“\"]([^”\"\n]{2,80})[”\"]", text) if m.strip()]


def norm_key(title: str) -> str:
    """Titles that differ only in case, spacing or punctuation are one film."""
    return re.sub(r"[^0-9a-z]", "", title.casefold().replace("’", "'"))


@functools.cache
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


@functools.lru_cache(maxsize=65536)
def stems(word: str) -> tuple[str, ...]:
    """The BM25 tokens of one word (none for a stopword), remembered: questions repeat their words."""
    return tuple(bm25_tokens([word])[0])


def bm25_tokens(texts: list[str], stemmer=None) -> list[list[str]]:
    """The one tokenizer for BM25 documents and queries: lower-case, English stopwords, Snowball stems."""
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=stemmer or _stemmer(), return_ids=False, show_progress=False)


# How people type a question, and how articles write the same words: contractions typed without the
# apostrophe, and the informal words for people. Applied to what is searched, never to what is shown.
CASUAL = {
    "whats": "what is", "thats": "that is", "hes": "he is", "shes": "she is", "theres": "there is", "im": "i am",
    "ive": "i have", "didnt": "did not", "doesnt": "does not", "dont": "do not", "cant": "cannot", "wont": "will not",
    "isnt": "is not", "wasnt": "was not", "couldnt": "could not", "wouldnt": "would not", "youre": "you are",
    "theyre": "they are", "w": "with", "u": "you", "ur": "your", "bc": "because", "cuz": "because",
    "dad": "father", "daddy": "father", "mom": "mother", "mum": "mother", "mommy": "mother", "grandma": "grandmother",
    "granny": "grandmother", "grandpa": "grandfather", "kid": "child", "kids": "children", "bro": "brother",
    "sis": "sister", "gf": "girlfriend", "bf": "boyfriend", "guy": "man", "guys": "men", "flick": "film",
    "b4": "before", "abt": "about", "ppl": "people", "coz": "because", "yrs": "years", "hrs": "hours",
    "mins": "minutes",
    "blind": "visually impaired", "deaf": "hearing impaired",
}
YEAR = re.compile(r"\b((?:19|20)\d\d)\b")  # a year as a question writes one ("released in 2013", "daisy 2006?")
# a casual word the articles write as a phrase of content words ("blind": "visually impaired"): a passage with the
# phrase holds the word
PHRASED = {c: f for c, f in CASUAL.items() if " " in f and not any(w in QUESTION_WORDS for w in f.split())}
_CASUAL = re.compile(r"\b(" + "|".join(sorted(map(re.escape, CASUAL), key=len, reverse=True)) + r")\b(?![’'])", re.I)


def formal_word(word: str) -> str:
    """One typed word as the articles write it, where that is one word ("mom" -> "mother"; "blind" stays, as
    "visually impaired" would count two words where the question has one)."""
    said = CASUAL.get(word)
    return said if said and " " not in said else word


def formal(text: str) -> str:
    """The question in the articles' register: "whats the film where the dad didnt…" -> "what is the film where
    the father did not…". Only whole words typed without an apostrophe are replaced."""
    return _CASUAL.sub(lambda m: CASUAL[m.group(1).lower()], text)


# a question that describes a film's story ("the one where …", "a film about …")
DESCRIBES = re.compile(phrases()["cues"]["describes"], re.I)
