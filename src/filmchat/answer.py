"""Composing the answer: the film(s) first, the fact or sentence that answers, then cited excerpts.

No language model writes here: every sentence of an answer is either a fixed template
filled with a film's name and a fact the articles state, or a quote from a passage,
each followed by its citation number. Excerpts are escaped so that article or
question text is always shown as text, never as HTML or live links.
"""

from __future__ import annotations

import re

from .catalog import catalog_for
from .chunking import Chunk, sentence_spans
from .facts import CATALOG_KINDS, FACT_KINDS, Fact, fact_kind, facts_in, merge_values
from .grounding import DEFINITE, MISSING, asked, states
from .mentions import has_name, terms
from .question import content_stems, described_fact
from .ranking import Hit
from .render import Answer, Citation, Section, escape_md, listing
from .search import SearchResult, Searcher
from .structured import answer_structured
from .text import DESCRIBES, QUESTION_WORDS, content_words, formal, is_ordinary, phrases, words
from .validate import BadRequest, checked

MANY_SHARE = 0.6  # a "which films" answer lists the films scoring within this share of the best
MANY_LIMIT = 10  # and at most this many, each with its own citation
HISTORY_TURNS = 3  # earlier questions a follow-up can refer back to ("the first one" is the first of these)
RUNNER_SHARE = 0.9  # a single answer names as "also close" the films scoring within this share of the best


FACT_PHRASE = {
    "director": "{film} was directed by {value}",
    "release": "{film} was released {on} {value}",
    "duration": "{film} runs {value}",
    "cast": "{film} stars {value}",
}
# a work made from the film named: its facts are not the film's ("the turkish remake of Miracle in Cell No. 7")
ANOTHER_WORK = re.compile(r"\b(remake|sequel|prequel|spin-?off)s? (of|to)\b", re.I)
CAST_PROSE = CATALOG_KINDS["cast"][1]  # "Na Ok Boon (Na Moon Hee)", "played by Lee Je Hoon": who plays whom
# "who plays the daughter in X?": a part of the film, not its whole cast
ROLE = re.compile(r"\bwho(?:'s|’s|s)? (?:plays|played|is playing|was playing|playing|portrays|portrayed|acts as|acted as) (?:the|his|her|their) "
                  r"([a-z]+(?: [a-z]+)?)\b(?= in\b| of\b|\W*$)", re.I)
# "is son ye jin also in be with you?", "does gong yoo star in X": whether someone is in a named film
MEMBER = re.compile(r"\b(?:is|was|does|did|has)\s+([a-z][a-z' -]*?)\s+(?:also\s+|even\s+)?(?:in|been in|"
                    r"(?:star|act|appear|play)(?:s|ed|red)? in|(?P<directs>direct(?:ed)?|make|made))\b", re.I)
# "Jeong Min", "Lee Yong Gu", "Gang In Ho"; not a place or an event ("in South Korea", "the Korean War")
CHARACTER_NAME = re.compile(r"(?<!\bin )(?<!\bthe )(?<!\bat )(?<!\bfrom )\b[A-Z][a-z]+(?:(?:[ -][A-Z][a-z]+)+|-[a-z]+)\b")
FACT_LABEL = {"director": "Director", "release": "Released", "duration": "Runtime", "cast": "Cast"}
UNCLEAR = {
    "no film": "Which film do you mean? Name it — e.g. “who directed Hope?” — or first ask which film is about "
               "something, then “who directed it?” refers to that film.",
    "no words": "I can't find anything to look for in that question: the articles are in English. Ask about a film or "
                "its story — e.g. “who directed Hope?” or “which film is about a Korean adoptee?”.",
    "nothing": "The articles have nothing on that: none of its words appear in them. Ask about a film or its story — "
               "e.g. “who directed Hope?” or “which film is about a Korean adoptee?”.",
}
CARD = re.compile(phrases()["cues"]["card"], re.I)  # "tell me about Hope": everything about one film


def empty_answer(question: str) -> Answer:
    text = "Please type a question about the films in the articles."
    return Answer(question, text, [], [], True, lead=text, error="empty question")


class Composer:
    """Turns a SearchResult into an Answer (cited, escaped, film first)."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self.settings = searcher.settings

    def ask(self, question: str, history: list[str] | tuple[str, ...] = ()) -> Answer:
        """The answer to a question of a conversation; a malformed request gets an answer saying what is wrong."""
        try:
            request = checked(question, history)
        except BadRequest as e:
            text = f"Sorry, that request cannot be answered: {e}."
            return Answer(str(question)[:200] if isinstance(question, str) else "", text, [], [], True, lead=text,
                          error=str(e))
        question = request.question
        if not question.strip():
            return empty_answer(question)
        history = [h for h in request.history if h.strip()][-HISTORY_TURNS:]
        return self.compose(self.searcher.search(question, history))

    def use_settings(self, settings) -> None:
        """Answer with other thresholds from now on (`filmchat eval` tries several)."""
        self.settings = settings
        self.searcher.use_settings(settings)

    def is_live(self) -> bool:
        """False once a rebuild (this process or another) switched the index it answers from."""
        return self.searcher.index.is_live()

    def section(self, c: Citation) -> Section:
        """The whole film section a citation comes from, in that article (its passages in order), with the cited
        sentence (or, without one, the cited passage) located in it: what "open the source" shows."""
        if not c.film:
            return Section(c.text, c.highlight)
        key = self.searcher.catalog.key(c.film)
        parts, at = [], None
        for i, ch in enumerate(self.searcher.index.chunks):
            if ch.file == c.file and self.searcher.chunk_film[i] == key:
                offset = sum(len(p) + 2 for p in parts)
                if ch.start == c.start and ch.end == c.end:
                    a, b = c.highlight or (0, len(ch.text))
                    at = (offset + a, offset + b)
                parts.append(ch.text)
        return Section("\n\n".join(parts), at) if parts else Section(c.text, c.highlight)

    def compose(self, r: SearchResult) -> Answer:
        q = r.query
        note = f"\n\n_Your question was cut to its first {len(q.text)} characters._" if q.truncated else ""
        if not q.text:  # nothing left once control characters are gone
            return empty_answer(q.text)
        # filters, comparisons, superlatives, counts over the catalog (a name no article has is refused first)
        structured = answer_structured(self, r, note) if not q.unknown else None
        if structured:
            return structured
        kind = fact_kind(q.spelled) if (q.named or q.focus) and not q.plural else None  # "runtme": runtime
        film = self._film_in_question(r)
        if film and not kind and self._is_card(r) and not q.unknown:  # "who is in Hope?" asks its cast, not its card
            return self._card(r, film, note)
        # "who wrote …", "did it win …", "where was it filmed?" (not "which film is about a man who wins …")
        other = asked(q.text) if not (q.plural or (q.which and not film)) else None
        if other and (ANOTHER_WORK.search(q.text) or other.kind == "awards"):
            kind = None  # "when did the turkish remake of X come out?" asks of another film; "who won best actor …" of a prize
        if film and other and other.kind == "true story" and not q.unknown:
            ans = self._true_story(r, film, note)  # the catalog's value: a sentence, or the list it is on
            if ans:
                return ans
        member = MEMBER.search(q.text) if film and not q.unknown else None
        person = catalog_for(self.searcher).person("".join(words(member.group(1)))) if member else None
        if person:  # a yes or no from the film's cast list, not a passage that happens to name them
            return self._in_cast(r, film, person[0], "director" if member.group("directs") else "cast", note)
        role = ROLE.search(q.text) if kind == "cast" and film and not q.unknown else None
        if role:  # "who played the daughter in X?": a sentence that names who plays her, not X's cast list
            return self._role(r, film, role.group(1), note)
        if kind and film and not q.unknown:
            ans = self._fact(r, film, kind, note)
            if ans:
                return ans
        if film and (kind or other) and not q.unknown:
            # no metadata line gives it: a sentence of the film must state it, or the answer says it is not there
            ans = self._stated(r, film, kind or other.kind, note)
            if ans.abstained and kind == "cast" and other and other.kind == "character":
                # "who's in it, like who are the characters": no cast given, but a sentence may name its characters
                named = self._stated(r, film, "character", note)
                ans = ans if named.abstained else named
            return ans
        if q.plural and not q.named:
            ans = self._films_with_fact(r, note)
            if ans:
                return ans
        if q.plural and not q.unknown and (fact := asked(q.text)) and not any(fact.evidence.search(h.chunk.text) for h in r.hits):
            # "which of these movies are rated 18+?": no passage states it of any film, so no film is listed, and
            # the answer says which fact, however close the passages
            return self._finish(r, f"The articles don't say — none gives {fact.missing.format(film='any of the films')}. "
                                   "The closest passages are below.", [], r.hits[:3], abstained=True, note=note)
        if not r.answerable:
            return self._abstain(r, note)
        if q.plural:
            return self._many(r, note)
        described = described_fact(q) if r.films and not q.unknown else None
        if described:  # "who directed the zombie movie?": the fact of the film the question describes, or that it is not given
            return self._fact(r, r.films[0].key, described, note) or self._stated(r, r.films[0].key, described, note)
        return self._one(r, note, other.kind if other else None)

    # -- which film the question is about, when it names one (or refers back to one)
    def _film_in_question(self, r: SearchResult) -> str | None:
        for key in r.query.named + ([r.query.focus] if r.query.focus else []):
            if any(f.key == key for f in r.films):
                return key
        return None

    def _is_card(self, r: SearchResult) -> bool:
        q = r.query
        if not q.named or q.plural:
            return False
        return bool(CARD.search(q.text)) or not content_stems(q)

    # -- citations
    def _citations(self, hits: list[Hit], sentences: dict[int, tuple[int, int]] | None = None,
                   limit: int | None = None) -> list[Citation]:
        out, seen = [], set()
        for h in hits:
            if h.index in seen:
                continue
            seen.add(h.index)
            c = h.chunk
            out.append(Citation(len(out) + 1, c.text, self._name(h), c.title, c.file, c.start, c.end,
                                h.score, (sentences or {}).get(h.index)))
            if len(out) >= (limit or self.settings.citations):
                break
        return out

    def _name(self, h: Hit) -> str | None:
        return self.searcher.catalog.name(h.film_key) if h.film_key else None

    def _sentences(self, question: str, hits: list[Hit]) -> dict[int, tuple[int, int]]:
        """The sentence to highlight in each hit: the one dense search matched, else the one sharing most words."""
        qwords = set(content_words(question, shortest=1))
        out = {}
        for h in hits:
            if h.sentence:
                out[h.index] = h.sentence
                continue
            spans = sentence_spans(h.chunk.text)
            if spans and qwords:
                best = max(spans, key=lambda sp: len(qwords & set(words(h.chunk.text[sp[0]:sp[1]]))))
                if qwords & set(words(h.chunk.text[best[0]:best[1]])):
                    out[h.index] = best
        return out

    def _order(self, first: list[Hit], rest: list[Hit]) -> list[Hit]:
        return first + [h for h in rest if h not in first]

    def _finish(self, r, lead: str, films: list[str], hits: list[Hit], abstained=False, note="", sentences=None,
                card=None, limit: int | None = None) -> Answer:
        a = Answer(r.query.typed or r.query.text, "", films, self._citations(hits, sentences, limit), abstained, lead=lead + note,
                   card=card or [])
        a.text = a.markdown()
        return a

    def _ranked_names(self, r: SearchResult, limit: int = 10) -> list[str]:
        return [f.name for f in r.films[:limit]]

    def _one(self, r: SearchResult, note: str, kind: str | None = None) -> Answer:
        top = r.films[0]
        lead_hit, lead_span = top.hits[0], None
        if kind:  # "who won the 2002 World Cup?": the quoted sentence must say who won something
            found = self.searcher.best_sentence(r.query, list(top.hits[:3]), accept=lambda s: states(kind, s))
            if found is None:
                return self._abstain(r, note, missing=kind)
            lead_hit, lead_span = found
        elif r.query.named or r.query.focus:  # the film is given: find the sentence that answers the rest
            lead_hit, lead_span = self.searcher.best_sentence(r.query, list(top.hits[:3]))
        # the best passage first, then the best of each other article on this film, then the rest
        hits, files = [lead_hit], {lead_hit.chunk.file}
        for h in top.hits:
            if h.chunk.file not in files:
                hits.append(h)
                files.add(h.chunk.file)
        runners = [f for f in r.films[1:3] if f.score >= RUNNER_SHARE * top.score]
        hits = self._order(hits, list(top.hits) + [f.hits[0] for f in runners])
        sentences = self._sentences(r.query.text, hits[: self.settings.citations])
        if lead_span:
            sentences[lead_hit.index] = lead_span
        a, b = sentences.get(lead_hit.index, (0, len(lead_hit.chunk.text)))
        quote = escape_md(lead_hit.chunk.text[a:b].strip())
        lead = f"**{escape_md(top.name)}** — “{quote}” [1]"
        if runners:
            lead += "\n\nAlso close: " + ", ".join(f"**{escape_md(f.name)}**" for f in runners) + "."
        return self._finish(r, lead, self._ranked_names(r), hits, note=note, sentences=sentences)

    def _many(self, r: SearchResult, note: str) -> Answer:
        """Every film that matches, each with the citation that shows it; a film nothing vouches for is left out.

        A film is listed when the introduction of a list it belongs to answers the question ("Below are some
        films based on true stories"), or when its own passages would answer the question for it alone.
        """
        top = r.films[0].score
        vouched = r.vouched
        chosen = [f for f in r.films if f.score >= MANY_SHARE * top
                  and (f.key in vouched or self.searcher.judge.listed(r.query, f))][:MANY_LIMIT]
        if not chosen:
            return self._abstain(r, note)
        hits = ([r.intro] if r.intro else []) + [f.hits[0] for f in chosen]
        sentences = self._sentences(r.query.text, hits)
        items = [f"**{escape_md(f.name)}** " + "".join(f"[{n}]" for n in sorted({hits.index(f.hits[0]) + 1}
                                                                               | ({1} if f.key in vouched else set())))
                 for f in chosen]
        lead = (f"{len(chosen)} films match: " if len(chosen) > 1 else "One film matches: ") + ", ".join(items) + "."
        if r.intro:
            lead += f" The article _{escape_md(r.intro.chunk.title)}_ introduces its list this way [1]."
        return self._finish(r, lead, [f.name for f in chosen], hits, note=note, sentences=sentences, limit=len(hits))

    def _abstain(self, r: SearchResult, note: str, missing: str | None = None) -> Answer:
        reason = r.confidence.get("reason", "")
        untagged = re.sub(r"<[^>]*>", " ", r.query.text)  # "<script>alert(1)</script>" asks about no script
        plain = [w for w in content_words(untagged, shortest=3) if is_ordinary(w)]
        if reason == "nothing" and plain:  # "which film is about a robot?": real words, in no article
            return self._finish(r, f"The articles don't say: no article mentions {listing(plain)}.", [], [],
                                abstained=True, note=note)
        unclear = UNCLEAR.get(reason)
        if reason == "no film" and r.query.offered:  # "who directed it?" after "none is clearly it": which of those
            unclear = (f"Which film do you mean: {listing(r.query.offered)}? The last answer found these closest but "
                       f"none clearly it. Name one — e.g. “who directed {escape_md(r.query.offered[0])}?”")
        if unclear:  # nothing to search for: say what to ask instead of showing unrelated passages
            return self._finish(r, unclear, [], [], abstained=True, note=note)
        film = self._film_in_question(r)
        name = f"**{escape_md(self.searcher.catalog.name(film))}**" if film else ""
        if reason == "no film stands out" and not film:  # "sad film?": several films come as close as the first
            close = [f"**{escape_md(f.name)}**" for f in r.films[:3]]
            lead = (f"The articles don't single out one film for this: the closest are {', '.join(close[:-1])} and "
                    f"{close[-1]}, and none is clearly it. Their closest passages are below.")
            return self._finish(r, lead, [], [f.hits[0] for f in r.films[:3]], abstained=True, note=note)
        if r.query.unknown:  # "Who directed The Handmaiden?": by name, and never another film's passage
            names = " or ".join(f"*{escape_md(n)}*" for n in r.query.unknown)
            lead = f"The articles don't mention {names}."
            if film:
                lead += f" They discuss {name}; its closest passages are below."
            elif DESCRIBES.search(r.query.text) and r.films:  # a plot with one thing no article has: what comes closest
                lead += (f" The closest match is **{escape_md(r.films[0].name)}** [1], which is not all you describe.")
        elif missing and film:
            lead = (f"The articles don't say {MISSING[missing].format(film=name)}. "
                    "The passages about it closest to the question are below.")
        elif film:
            lead = f"The articles don't say — they discuss {name}, but no passage answers this. The closest passages are below."
        elif missing and "{film}" not in MISSING[missing]:  # "how do i find a good tax lawyer in seoul?"
            lead = f"The articles don't say {MISSING[missing]}. The closest passages are below."
        elif missing:
            close = f"**{escape_md(r.films[0].name)}**" if r.films else "none"
            lead = (f"The articles don't say — the closest passage (about {close}) does not answer this. "
                    "The closest passages are below.")
        else:
            lead = "The articles don't say. " + self._closest(r)
        if film:
            hits = [h for h in r.hits if h.film_key == film][:3]
        elif r.query.unknown:
            hits = list(r.films[0].hits[:3]) if DESCRIBES.search(r.query.text) and r.films else []
        else:
            hits = r.hits[:3]
        return self._finish(r, lead, [], hits, abstained=True, note=note)

    def _closest(self, r: SearchResult) -> str:
        """Which part of the question the articles lack: words no article has, or words the closest film's
        passages lack ("The closest match, **Marathon** [1], says nothing of *olympics*.")."""
        q = r.query
        asked_words = content_words(q.text, shortest=3, drop=q.stray)
        absent = [w for w in asked_words if not any(self.searcher.mentions.mentioned((v,)) for v in {w, *words(formal(w))})]
        if absent:
            return f"No article mentions {listing(absent)}; the closest passages are below."
        if r.films:
            seen = set()
            for h in r.films[0].hits[:3]:
                seen |= terms(h.chunk.text)  # as written or by stem ("women" is in "women’s prison")
            lacking = [w for w in asked_words if not terms(w) & seen]
            if lacking:
                return (f"The closest match, **{escape_md(r.films[0].name)}** [1], says nothing of {listing(lacking)}; "
                        "the closest passages are below.")
        return "I found no passage that answers this; the closest passages are below."

    def _stated(self, r: SearchResult, key: str, kind: str, note: str) -> Answer:
        """A fact no metadata line gives ("who wrote Hope?"): a sentence of the film that states it and holds
        the names the question asks about, or an answer that says by name what the articles don't give."""
        names = r.query.names
        found = self._film_sentence(r, key, lambda s: states(kind, s) and all(
            has_name(s, [n]) for n in names if not self._is_title(n, key)) and (
            kind != "character" or self._names_a_character(s, key)))
        # a sentence that states the fact answers a metadata kind ("pits Na Ok Boon (Na Moon Hee) against …" says
        # who plays); for the others, whose stating words are looser ("won the hearts"), the question's other words
        # must be in the film's passages too
        if found is None or not (r.answerable or kind in FACT_LABEL or kind in DEFINITE):
            return self._abstain(r, note, missing=kind)
        return self._quote(r, key, found, note)

    def _names_a_character(self, sentence: str, key: str) -> bool:
        """Whether a sentence names someone of the story: a capitalised name that is not the film's title, nor
        anyone the catalog lists as cast or director ("Lee Joon Ik, said …" names the director, not a
        character), or someone "named"/"called"."""
        if re.search(r"\b(named|called|protagonist)\b", sentence):
            return True
        people = catalog_for(self.searcher)
        return any(not self._is_title(m.group(0), key) and not people.person("".join(words(m.group(0))), loose=False)
                   for m in CHARACTER_NAME.finditer(sentence))

    def _film_sentence(self, r: SearchResult, key: str, accept):
        """The film's sentence (over all its passages, copies left out) that best answers the question among those
        ``accept`` takes: (hit, span), or None."""
        score = r.films[0].score if r.films else 1.0
        chunks = self.searcher.index.chunks
        hits = [self._hit_for(r, chunks[i], score) for i in self.searcher.catalog.chunk_ids.get(key, [])
                if self.searcher.duplicate_of[i] == i]
        return self.searcher.best_sentence(r.query, hits, accept=accept)

    def _quote(self, r: SearchResult, key: str, found, note: str) -> Answer:
        """The answer that quotes one sentence of the film, its other passages after it."""
        lead_hit, span = found
        name = self.searcher.catalog.name(key)
        quote = escape_md(lead_hit.chunk.text[span[0]:span[1]].strip())
        lead = f"**{escape_md(name)}** — “{quote}” [1]"
        rest = [h for h in r.hits if h.film_key == key]
        return self._finish(r, lead, [name], self._order([lead_hit], rest), note=note, sentences={lead_hit.index: span})

    def _is_title(self, name_words: str, key: str) -> bool:
        return " ".join(words(name_words)) in " ".join(words(self.searcher.catalog.name(key)))

    def _fact_values(self, key: str, kind: str) -> list[tuple[str, list[Fact]]]:
        """Every value the articles give for this fact of this film, agreeing values merged."""
        facts = []
        for i in self.searcher.catalog.chunk_ids.get(key, []):
            if self.searcher.duplicate_of[i] == i:
                facts += [f for f in facts_in(self.searcher.index.chunks[i]) if f.kind == kind]
        return merge_values(facts)

    def _hit_for(self, r: SearchResult, chunk: Chunk, score: float) -> Hit:
        for h in r.hits:
            if h.chunk.id == chunk.id:
                return h
        i = self.searcher.index.position(chunk.id)
        return Hit(i, chunk, score, 0.0, 0.0, self.searcher.chunk_film[i])

    def cite_facts(self, r: SearchResult, facts, hits: list[Hit], sentences: dict) -> list[int]:
        """The citation numbers of these facts; their passages join ``hits``, the stating line highlighted."""
        score = r.films[0].score if r.films else 1.0
        nums = []
        for f in facts:
            h = self._hit_for(r, f.chunk, score)
            if h not in hits:
                hits.append(h)
                sentences[h.index] = (f.start - f.chunk.start, f.end - f.chunk.start)
            nums.append(hits.index(h) + 1)
        return sorted(set(nums))

    def _fact(self, r: SearchResult, key: str, kind: str, note: str) -> Answer | None:
        groups = self._fact_values(key, kind)
        if not groups:
            return None
        name = self.searcher.catalog.name(key)
        hits, sentences = [], {}
        parts = [(value, self.cite_facts(r, facts, hits, sentences)) for value, facts in groups]
        on = "on" if re.match(r"[A-Za-z]+ \d|\d{1,2} [A-Za-z]", parts[0][0]) else "in"  # "on March 14, 2018", "in 2007 …"
        first = FACT_PHRASE[kind].format(film=f"**{escape_md(name)}**", value=escape_md(parts[0][0]), on=on)
        lead = first + " " + "".join(f"[{n}]" for n in parts[0][1]) + "."
        if len(parts) > 1:
            lead += " The articles disagree: " + "; ".join(
                f"another gives {escape_md(v)} " + "".join(f"[{n}]" for n in nums) for v, nums in parts[1:]) + "."
        film_hits = [h for h in r.hits if h.film_key == key]
        return self._finish(r, lead, [name] + [n for n in self._ranked_names(r) if n != name],
                            self._order(hits, film_hits), note=note, sentences=sentences)

    def _role(self, r: SearchResult, key: str, role: str, note: str) -> Answer:
        """Who plays one part of a film: a sentence of the film that names an actor beside that part ("Na Ok Boon
        (Na Moon Hee)" for "who plays the grandma?"), else what the articles do give, the cast, and that they
        don't say who plays it."""
        found = self._film_sentence(r, key, lambda s: any(p.search(s) for p in CAST_PROSE))
        if found:
            return self._quote(r, key, found, note)
        name = escape_md(self.searcher.catalog.name(key))
        entry = catalog_for(self.searcher).get(key)
        lead = f"The articles don't say who plays the {escape_md(role)} in **{name}**"
        return self._declined_giving(r, lead, entry.value("cast") if entry else None, "cast", note)

    def _declined_giving(self, r: SearchResult, lead: str, given, kind: str, note: str) -> Answer:
        """A decline that says what the articles do give of that kind, cited ("…; they give its cast: …")."""
        cited, sentences = [], {}
        if given:
            nums = self.cite_facts(r, given.facts, cited, sentences)
            lead += f"; they give its {FACT_LABEL[kind].lower()}: {escape_md(given.text)} " + "".join(f"[{n}]" for n in nums)
        return self._finish(r, lead + ".", [], cited, abstained=True, note=note, sentences=sentences)

    def _in_cast(self, r: SearchResult, key: str, person: tuple[str, ...], asks: str, note: str) -> Answer:
        """"Is Son Ye-Jin in Be With You?", "did Park Jin-Pyo direct Hope?": yes with the line that names them;
        else what the articles give for what was asked (the cast or the director, or nothing) and that they
        don't name that person: a cast list that leaves someone out is no proof they are not in the film."""
        name = escape_md(self.searcher.catalog.name(key))
        entry = catalog_for(self.searcher).get(key)
        given = entry.value(asks) if entry else None
        written = next((p for p in given.names if tuple(words(p)) == person), None) if given else None
        if written:  # the name as the article writes it
            cited, sentences = [], {}
            nums = "".join(f"[{n}]" for n in self.cite_facts(r, given.facts, cited, sentences))
            role = "is in the cast of" if asks == "cast" else "directed"
            lead = f"Yes — {escape_md(written)} {role} **{name}** ({FACT_LABEL[asks].lower()}: {escape_md(given.text)}) {nums}."
            return self._finish(r, lead, [self.searcher.catalog.name(key)], cited, note=note, sentences=sentences)
        who = " ".join(w.capitalize() for w in person)
        lead = f"The articles don't name {escape_md(who)} " + ("as director of" if asks == "director" else "in") + f" **{name}**"
        return self._declined_giving(r, lead, given, asks, note)

    def _true_story(self, r: SearchResult, key: str, note: str) -> Answer | None:
        """"Is Northern Limit Line a true story?": what the catalog holds for it, cited ("is listed among films
        based on true stories" when only its article's list says so), or None when nothing says it is."""
        entry = catalog_for(self.searcher).get(key)
        value = entry.value("true_story") if entry else None
        if value is None:
            return None
        name = self.searcher.catalog.name(key)
        hits, sentences = [], {}
        nums = self.cite_facts(r, value.facts, hits, sentences)
        lead = f"**{escape_md(name)}** is {escape_md(value.text)} " + "".join(f"[{n}]" for n in nums) + "."
        film_hits = [h for h in r.hits if h.film_key == key]
        return self._finish(r, lead, [name], self._order(hits, film_hits), note=note, sentences=sentences)

    def _films_with_fact(self, r: SearchResult, note: str) -> Answer | None:
        """"Which films came out in 2013?", "Which films star Son Ye-Jin?": films whose stated facts match."""
        kind = fact_kind(r.query.text)
        if kind not in ("release", "cast", "director"):
            return None
        if kind == "release":
            wanted = re.findall(r"\b(?:1[89]|20)\d\d\b", r.query.text)
        else:
            wanted = [w for w in words(r.query.text) if w not in QUESTION_WORDS and not FACT_KINDS[kind][0].search(w)]
            wanted = [" ".join(wanted)] if len(wanted) >= 2 else []  # a name: at least two words
        if not wanted:
            return None
        catalog = self.searcher.catalog
        rank = {f.key: n for n, f in enumerate(r.films)}
        matches: dict[str, list[Fact]] = {}
        for key in catalog.names:
            for value, facts in self._fact_values(key, kind):
                if all(w in " ".join(words(value)) for w in wanted):
                    matches.setdefault(key, []).extend(facts)
        if not matches:
            return None
        keys = sorted(matches, key=lambda k: rank.get(k, len(rank)))
        hits, sentences, items = [], {}, []
        for key in keys:  # every film cites its value; numbers past the citations shown are left out
            nums = [n for n in self.cite_facts(r, matches[key], hits, sentences) if n <= self.settings.citations]
            items.append(f"**{escape_md(catalog.name(key))}** " + "".join(f"[{n}]" for n in nums))
        lead = (f"{len(keys)} films match: " if len(keys) != 1 else "One film matches: ") + ", ".join(i.strip() for i in items) + "."
        names = [catalog.name(k) for k in keys]
        return self._finish(r, lead, names, hits, note=note, sentences=sentences)

    def _card(self, r: SearchResult, key: str, note: str) -> Answer:
        """Everything the articles say about one film, each fact cited; disagreements shown side by side."""
        name = self.searcher.catalog.name(key)
        ids = [i for i in self.searcher.catalog.chunk_ids.get(key, []) if self.searcher.duplicate_of[i] == i]
        chunks = [self.searcher.index.chunks[i] for i in ids]
        score = r.films[0].score if r.films else 1.0
        # one passage per article: the first of the film's section there (it carries the plot line)
        firsts: dict[str, Chunk] = {}
        for c in chunks:
            firsts.setdefault(c.file, c)
        hits = [self._hit_for(r, c, score) for c in firsts.values()]
        rows, sentences = [], {}
        for kind in ("release", "director", "duration", "cast"):
            for value, facts in self._fact_values(key, kind):
                rows.append((FACT_LABEL[kind], value, self.cite_facts(r, facts, hits, sentences)))
        for n, h in enumerate(hits[: len(firsts)], 1):  # one plot line per article
            span = self.searcher.plot_sentence(h.index)
            if span:
                sentences[h.index] = span
                rows.append(("Plot", h.chunk.text[span[0]:span[1]].strip(), [n]))
        lead = f"**{escape_md(name)}** — discussed in {len(firsts)} article{'s' if len(firsts) != 1 else ''}."
        return self._finish(r, lead, [name] + [n for n in self._ranked_names(r) if n != name], hits, note=note,
                            sentences=sentences, card=rows)
