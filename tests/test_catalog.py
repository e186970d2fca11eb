"""The film catalog and questions over it: filters, comparisons, superlatives, counts — exact and cited.

A tiny corpus with known values (one conflicting year, one missing runtime) in tmp_path,
and end-to-end questions on the shipped corpus.
"""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from filmchat.lifecycle import open_composer
from filmchat.catalog import catalog_for, catalog_table, parse_date, parse_minutes
from filmchat.settings import load_settings
from filmchat.conditions import parse

from conftest import write_corpus

FIRST = """Four Films To Test

Here are four films we picked for a quiet evening.

1. Alpha Road

Director: Ana Park

Release date: March 3, 2001

Duration: 95 minutes

Starring cast: Kim Mi-Na, Lee Do-Hyun

Alpha Road follows a mail carrier who crosses a mountain pass every morning in the snow.

2. Beta House

Director: Ana Park

Release date: October 12, 2015

Duration: 128 minutes

Starring cast: Lee Do-Hyun, Yoon Seo

Based on a true story, Beta House tells of a family that rebuilt a burned village school.

3. Gamma Sea

Director: Cho Min

Release year: 2009

Duration: 110 minutes

Gamma Sea is about a fisherman and his daughter who sail out after a storm.

4. Delta Night

Release date: July 1, 2009

Delta Night is about a night-shift nurse who befriends a lonely patient in a city hospital.
"""
SECOND = """More Films Worth Seeing

A second list, from another writer, with a different take on each film.

1. Gamma Sea

Release year: 2010

The fisherman's daughter steers the boat home through the storm while her father sleeps.
The fisherman Jang Ho (Bae Soo-Min) never wakes.
"""


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, embedder):
    root = tmp_path_factory.mktemp("catalog")
    corpus = write_corpus(root / "corpus", {"first.txt": FIRST, "second.txt": SECOND})
    settings = load_settings(env={}, corpus_dir=corpus, index_dir=root / "index")
    return open_composer(settings, embedder=embedder, log=lambda m: None)


def cited(composer, answer) -> dict[int, str]:
    return {c.n: c.text[c.highlight[0]:c.highlight[1]] if c.highlight else c.text for c in answer.citations}


def film_citations(answer, film: str) -> list[int]:
    """The citation numbers right after a film's name in the answer (its value and its [n])."""
    m = re.search(re.escape(f"**{film}**") + r" \(([^)]*)\)", answer.lead)
    return [int(n) for n in re.findall(r"\[(\d+)\]", m.group(1))] if m else []


# ---------------------------------------------------------------- values

def test_values_are_parsed_as_dates_and_minutes():
    assert parse_date("January 24, 2013") == (2013, 1, 24)
    assert parse_date("Release year: 2009") == (2009, None, None)
    assert parse_date("March 2013") == (2013, 3, None)
    assert parse_date("soon") is None
    assert parse_minutes("127 minutes") == 127 and parse_minutes("2h 7m") == 127 and parse_minutes("2 hours") == 120


def test_catalog_keeps_every_stated_value_and_both_sides_of_a_conflict(tiny):
    cat = catalog_for(tiny.searcher)
    assert [f.name for f in cat.films] == ["Alpha Road", "Beta House", "Gamma Sea", "Delta Night"]
    alpha = cat.get("alpharoad")
    assert alpha.value("release").date == (2001, 3, 3) and alpha.value("duration").minutes == 95
    assert alpha.value("director").text == "Ana Park" and "Lee Do-Hyun" in alpha.value("cast").text
    assert cat.get("betahouse").value("true_story") is not None and cat.get("alpharoad").value("true_story") is None
    gamma = cat.get("gammasea").values["release"]
    assert sorted(v.text for v in gamma) == ["2009", "2010"]  # the articles disagree: both kept
    assert {v.facts[0].chunk.file for v in gamma} == {"first.txt", "second.txt"}
    assert cat.get("deltanight").values["duration"] == []
    cast = cat.get("gammasea").value("cast")  # a cast given in prose: "Jang Ho (Bae Soo-Min)"
    assert cast.text == "Bae Soo-Min" and "(Bae Soo-Min)" in cast.facts[0].chunk.text


def test_a_cast_in_prose_gives_every_actor_of_the_sentence():
    from filmchat.chunking import Chunk
    from filmchat.facts import catalog_facts_in

    text = ("It pits Na Ok Boon (Na Moon Hee), an elderly woman, against Park Min Jae (Lee Je Hoon). "
            "The case is lost as Song Kang Ho, who plays the lawyer, is dragged out. Nothing else (Not A Name) here")
    chunk = Chunk("c", "f.txt", 100, 100 + len(text), text, "T", "Film", None)
    cast = [f for f in catalog_facts_in(chunk) if f.kind == "cast"]
    assert [f.value for f in cast] == ["Na Moon Hee, Lee Je Hoon", "Song Kang Ho"]
    assert text[cast[1].start - 100:cast[1].end - 100].startswith("The case is lost as Song Kang Ho")


def test_films_command_prints_the_catalog_with_sources(tiny):
    text = catalog_table(tiny.searcher, "text")
    assert "Gamma Sea" in text and "2009 [" in text and "2010 [" in text and "second.txt" in text
    rows = json.loads(catalog_table(tiny.searcher, "json"))
    files = {corpus.name: corpus.read_text(encoding="utf-8") for corpus in tiny.settings.corpus_dir.iterdir()}
    for row in rows:
        for kind in ("release", "duration", "director", "cast", "true_story"):
            for v in row[kind]:
                for s in v["sources"]:  # every source is the file's exact text at its offsets
                    assert files[s["file"]][s["start"]:s["end"]] == s["text"]
    table = list(csv.DictReader(io.StringIO(catalog_table(tiny.searcher, "csv"))))
    assert table[2]["film"] == "Gamma Sea" and table[2]["release"] in ("2009 | 2010", "2010 | 2009")


def test_films_cli_lists_every_film(tiny):
    from click.testing import CliRunner

    from filmchat.cli import main

    s = tiny.settings
    out = CliRunner().invoke(main, ["films", "--csv", "--corpus", str(s.corpus_dir), "--index-dir", str(s.index_dir)])
    assert out.exit_code == 0, out.output
    assert [r["film"] for r in csv.DictReader(io.StringIO(out.stdout))] == ["Alpha Road", "Beta House", "Gamma Sea",
                                                                             "Delta Night"]


# ---------------------------------------------------------------- filters and counts

@pytest.mark.parametrize("question, films", [
    ("Which films came out in 2001?", {"Alpha Road"}),
    ("Which films were released in the autumn?", {"Beta House"}),
    ("Which films were released in July?", {"Delta Night"}),
    ("Which films came out in the 2000s?", {"Alpha Road", "Gamma Sea", "Delta Night"}),
    ("Which films came out before 2005?", {"Alpha Road"}),
    ("Which films were released after 2009?", {"Beta House", "Gamma Sea"}),  # Gamma Sea: one article says 2010
    ("List the films released between 2000 and 2008", {"Alpha Road"}),
    ("Which films run over two hours?", {"Beta House"}),
    ("Which movies are under 100 minutes?", {"Alpha Road"}),
    ("Which films did Ana Park direct?", {"Alpha Road", "Beta House"}),
    ("Which films were directed by Cho Min?", {"Gamma Sea"}),
    ("Which films star Lee Do-Hyun?", {"Alpha Road", "Beta House"}),
    ("Which films are based on a true story?", {"Beta House"}),
    ("Which films directed by Ana Park run over 100 minutes?", {"Beta House"}),
    # typed the way people type: no "which", casual words, a season spelled out with months
    ("anything from 2001?", {"Alpha Road"}),
    ("movies that came out in 2015", {"Beta House"}),
    ("short ones under two hours pls", {"Alpha Road", "Gamma Sea"}),
    ("any autumn releases? like sept to nov", {"Beta House"}),
    ("flicks with lee do-hyun in them", {"Alpha Road", "Beta House"}),
    ("i want something from before 2005, what do u have", {"Alpha Road"}),  # chatter around a filter
    ("any flicks under 100 mins? need something short for a weeknight lol", {"Alpha Road"}),
    ("lee do-hyun movies?? i think hes in a couple of these", {"Alpha Road", "Beta House"}),
    ("stuff from 2000-2009 thats less than 100 minutes", {"Alpha Road"}),
    ("films that run more than 100 minutes but less than 2 hours", {"Gamma Sea"}),  # two runtime conditions
    ("which films came out from january through june?", {"Alpha Road"}),  # a range of months
    ("any movies exactly 95 min long?", {"Alpha Road"}),
    ("which ones go past 120 minutes?", {"Beta House"}),
    ("wich films came out in octobr?", {"Beta House"}),  # typos read as the words they stand for
    ("My family is only really into older movies. Which ones came out before 2005?", {"Alpha Road"}),  # no story
    ("I have a long flight coming up. Which films run over two hours?", {"Beta House"}),  # a sentence aside
    ("need smth under 100 min, got class tmrw mornin", {"Alpha Road"}),  # a runtime is a film's; slang not a topic
    ("I am a fan of actress Yoon Seo. In which of these movies is she acting?", {"Beta House"}),
    ("is ther anything with bae soo-min in it", {"Gamma Sea"}),  # a cast the articles give in prose
    ("list the films with a runtime between 100 and 120 minutes", {"Gamma Sea"}),
    ("films released in march or july", {"Alpha Road", "Delta Night"}),  # any of several months
    ("Any films released in the second half of the year (July to December)?", {"Beta House", "Delta Night"}),
    ("what did ana park make", {"Alpha Road", "Beta House"}),  # a person the catalog names, however asked
    ("any films that were released in october? need the list pls", {"Beta House"}),  # chatter beside a "films that"
    ("Please list films that were released from 2000 until 2002 (including both years).", {"Alpha Road"}),
    ("My kids go to bed at 9:30, so it has to be short. Which movies are under 100 minutes long?", {"Alpha Road"}),
    ("quick q: how many titles came out after 2010", {"Beta House"}),
    ("films released in the first half of the year", {"Alpha Road"}),
    ("films with running time between 100 and 120 min?", {"Gamma Sea"}),
    ("which real-life-inspired film was released in 2015", {"Beta House"}),
    ("how many movies is lee dohyun in", {"Alpha Road", "Beta House"}),  # a name spaced another way
    ("long day at work and I'm exhausted, I can't do a long movie tonight. Which ones are under 100 minutes?",
     {"Alpha Road"}),
    ("Which of the films were directed by somebody with the surname Park?", {"Alpha Road", "Beta House"}),
    ("films starring an actor whose family name is Yoon", {"Beta House"}),
    # clauses about the one asking are no topic, even with story words ("dad", "melodrama")
    ("my dad only watches old stuff, anything from before 2005?", {"Alpha Road"}),
    ("I'm teaching a class on early melodrama, which films came out before 2005?", {"Alpha Road"}),
    ("Film student here – I'm writing a paper on the fisherman genre. Which films came out before 2005?", {"Alpha Road"}),
    ("whats on the list from 2015", {"Beta House"}),
    ("looking for something between 100 and 120 minutes long, what are my options", {"Gamma Sea"}),
    ("Could you identify all of the films that were released between 2000 and 2002, inclusive?", {"Alpha Road"}),
    ("older ones only pls - released 2009 or before AND under two hours", {"Alpha Road", "Gamma Sea"}),
    ("anything from 2010 onwards?", {"Beta House", "Gamma Sea"}),
    ("anything from 2010 on?", {"Beta House", "Gamma Sea"}),
    ("movies from 2015 on these lists?", {"Beta House"}),  # "on these lists" is not "from 2015 on"
    ("lee dohyun is in which one, alpha road or gamma sea?", {"Alpha Road"}),  # a person among named films
    ("any films with Ana Pak?", set()),  # only a director: no film stars her
    ("any of them released in october? it's my bday month so", {"Beta House"}),  # "them": the films
    ("true story films that are also longer than 2 hrs?", {"Beta House"}),
    ("anything 100 mins max?", {"Alpha Road"}),
    ("Which films star Yoon Seo? I've been on a binge since Crash Landing.", {"Beta House"}),  # an aside's name
    ("my mom only watches kim mi-na or yoon seo movies, which ones have either of them", {"Alpha Road", "Beta House"}),
    ("films with lee do-hyun and yoon seo", {"Beta House"}),  # both of them
    ("wht came out in 2015?", {"Beta House"}),
    ("we're doing a throwback night w/ my in-laws, strictly 2001 releases. which came out in 2001?", {"Alpha Road"}),
    ("which movies have lee do-hyun in the cast", {"Alpha Road", "Beta House"}),
    ("ugh my sister keeps picking the saddest ones. which movies from before 2010 are under 2 hours so it's at least "
     "over quick", {"Alpha Road", "Gamma Sea"}),  # a reason clause ("so it's …") is no topic
    ("films with a runtime between 1 hour 30 minutes and 1 hour 50 minutes", {"Alpha Road", "Gamma Sea"}),
    ("which films came out in 2015? want to have a snow day binge of just that year lol", {"Beta House"}),  # the asker's plan
    ("which films star yoon seo besides beta house?", set()),  # the film named after "besides" is left out
    ("any films with lee do-hyun besides Alpha Road?", {"Beta House"}),
    ("which came out in october ish", {"Beta House"}),  # only films come out: "ish" is chatter
])
def test_filters_give_the_exact_set_each_film_cited(tiny, question, films):
    a = tiny.ask(question)
    assert a.abstained == (not films) and set(a.films) == films, a.lead
    texts = cited(tiny, a)
    for film in films:
        nums = film_citations(a, film)
        assert nums and all(n in texts for n in nums), (film, a.lead)


def test_filter_by_month_says_which_films_give_only_a_year(tiny):
    a = tiny.ask("Which films were released in the autumn?")
    assert "only the year for **Gamma Sea**" in a.lead


def test_count_of_films_by_a_director(tiny):
    a = tiny.ask("How many films did Ana Park direct?")
    assert a.lead.startswith("**2**") and set(a.films) == {"Alpha Road", "Beta House"}
    assert "director is stated for 3 of the 4 films" in a.lead and "**Delta Night**" in a.lead


def test_a_count_asked_mid_sentence(tiny):
    a = tiny.ask("I'm writing a paper: how many films did Ana Park direct?")
    assert a.lead.startswith("**2**") and set(a.films) == {"Alpha Road", "Beta House"}


def test_a_value_the_catalog_does_not_hold_is_not_a_catalog_question(tiny):
    a = tiny.ask("which of the 2009 movies won the most awards?")
    assert a.abstained  # no article gives awards: not a list of 2009 films


def test_a_count_of_an_exact_runtime_asked_casually(tiny):
    a = tiny.ask("random but how many of these clock in at exactly 95 minutes")
    assert a.lead.startswith("**1**") and a.films == ["Alpha Road"], a.lead


def test_a_count_asked_as_number_of(tiny):
    a = tiny.ask("number of movies released in 2001?")
    assert a.lead.startswith("**1**") and a.films == ["Alpha Road"]


def test_a_filter_nothing_meets_says_so(tiny):
    a = tiny.ask("Which films did Bong Joon Ho direct?")
    assert a.abstained and a.films == [] and "Bong Joon Ho" in a.lead  # a name no article has: said by name


# ---------------------------------------------------------------- superlatives

def test_other_films_by_the_director_of_the_conversations_film(tiny):
    a = tiny.ask("did she make any other film?", ["who directed Alpha Road?"])
    assert a.films == ["Beta House"] and a.lead.startswith("One other film was directed by Ana Park"), a.lead
    a = tiny.ask("what else did she direct?", ["how long is alpha road?"])
    assert a.films == ["Beta House"], a.lead
    a = tiny.ask("did she do any other films?", ["who made alpha road?"])  # "she": the director the turn asked for
    assert a.films == ["Beta House"] and a.lead.startswith("One other film was directed by Ana Park"), a.lead
    a = tiny.ask("and who directed the other one?", ["which is longer, Alpha Road or Gamma Sea?", "who directed Alpha Road?"])
    assert a.films[:1] == ["Gamma Sea"] and "other film" not in a.lead, a.lead  # "the other one" is Gamma Sea
    a = tiny.ask("what other films came out in 2009?", ["how long is Gamma Sea?"])  # a filter, the film left out
    assert a.films == ["Delta Night"] and a.lead.startswith("One other film came out in 2009"), a.lead


def test_superlative_over_the_films_that_state_the_value_names_the_others(tiny):
    a = tiny.ask("Which of these films is the longest?")
    assert a.films[0] == "Beta House"
    assert "runtime is stated for 3 of the 4 films" in a.lead and "128 minutes [" in a.lead
    assert "don't give the runtime for **Delta Night**" in a.lead
    cite = cited(tiny, a)[film_citations(a, "Beta House")[0]]
    assert "128 minutes" in cite
    assert tiny.ask("Which film is the shortest?").films[0] == "Alpha Road"
    assert tiny.ask("Which film is the oldest?").films[0] == "Alpha Road"
    assert tiny.ask("Which film came out most recently?").films[0] == "Beta House"
    assert tiny.ask("What was the first film released?").films[0] == "Alpha Road"
    assert tiny.ask("Which was the last film to come out?").films[0] == "Beta House"


def test_superlative_with_a_filter(tiny):
    assert tiny.ask("Which film directed by Ana Park is the shortest?").films[0] == "Alpha Road"


# ---------------------------------------------------------------- comparisons

def test_comparisons_between_named_films(tiny):
    a = tiny.ask("Which is longer, Alpha Road or Gamma Sea?")
    assert a.films[:2] == ["Gamma Sea", "Alpha Road"] and "110 minutes" in a.lead and "95 minutes" in a.lead
    assert tiny.ask("Which came out first, Beta House or Alpha Road?").films[0] == "Alpha Road"
    assert tiny.ask("Is Alpha Road longer than Gamma Sea?").lead.startswith("No")
    assert tiny.ask("Is Beta House longer than Alpha Road?").lead.startswith("Yes")
    assert tiny.ask("Alpha Road vs Gamma Sea, which is longer?").films[0] == "Gamma Sea"
    # titles side by side are not one name the articles lack
    assert tiny.ask("Of Beta House and Alpha Road, which came out first?").films[0] == "Alpha Road"
    assert tiny.ask("alpha road or gamma sea, which one is older").films[0] == "Alpha Road"  # titles typed lower-case
    assert tiny.ask("which is older beta house or alpha road i forgot").films[0] == "Alpha Road"  # chatter
    # two comparatives: the one the question asks with
    a = tiny.ask("My sister can only sit through the shorter one tonight: Alpha Road or Gamma Sea, which one is longer?")
    assert a.films[0] == "Gamma Sea" and "is longer" in a.lead


def test_a_film_compared_that_no_article_mentions_is_refused_by_name(tiny):
    a = tiny.ask("is epsilon river shorter than alpha road?")  # typed in lower case, so no capitals mark it
    assert a.abstained and "*epsilon river*" in a.lead and a.films == [], a.lead
    a = tiny.ask("did epsilon river come out before alpha road")
    assert a.abstained and "*epsilon river*" in a.lead, a.lead
    a = tiny.ask("epsilon river vs alpha road - which one has the longer runtime?")  # the clause that compares
    assert a.abstained and "*epsilon river*" in a.lead, a.lead
    a = tiny.ask("gamma sea, alpha road, beta house.. which one is the shortest")  # no film unknown in a list
    assert not a.abstained and a.films[0] == "Alpha Road", a.lead
    a = tiny.ask("which is longer, alpha road or the one with the fisherman?")  # a film the articles have, described
    assert "don't mention" not in a.lead, a.lead


def test_comparison_with_a_missing_value_is_declined_naming_it(tiny):
    a = tiny.ask("Which is longer, Alpha Road or Delta Night?")
    assert a.abstained and "runtime of **Delta Night**" in a.lead and "95 minutes" in a.lead


# ---------------------------------------------------------------- not hijacked

def test_a_name_romanised_another_way_is_that_person(tiny):
    cat = catalog_for(tiny.searcher)
    assert cat.person("leedohyeon")[0] == ("lee", "do", "hyun")  # "Hyeon" for "Hyun"
    assert cat.person("kimmin") is None and cat.person("anapak") is None  # too short to be read as someone else
    a = tiny.ask("which films star Lee Do-hyeon?")
    assert set(a.films) == {"Alpha Road", "Beta House"} and "Lee Do-Hyun" in a.lead, a.lead


def test_other_films_with_the_cast_of_the_conversations_film(tiny):
    a = tiny.ask("what other movie has her in it?", ["who stars in Beta House?"])
    assert a.films == ["Alpha Road"] and "Beta House" not in a.films, a.lead  # Lee Do-Hyun is in both


def test_superlatives_asked_casually(tiny):
    a = tiny.ask("shortest one?? i have like 1h50 max")  # "1h50 max": at most 110 minutes
    assert a.films[0] == "Alpha Road" and "at most 110 minutes" in a.lead, a.lead
    a = tiny.ask("of all the films with a release date mentioned, which is the oldest")
    assert a.films[0] == "Alpha Road", a.lead


def test_an_article_named_as_the_scope(tiny):
    a = tiny.ask("in the 'four films to test' article, which one is the longest?")
    assert a.films[0] == "Beta House" and "Four Films To Test" in a.lead, a.lead
    a = tiny.ask("which films on the four films to test list came out in 2009?")
    assert set(a.films) == {"Gamma Sea", "Delta Night"} and "Four Films To Test" in a.lead, a.lead


def test_two_films_of_the_conversation_compared(tiny):
    a = tiny.ask("ok which of the two is shorter", ["how long is beta house", "and gamma sea?"])
    assert a.films[0] == "Gamma Sea" and "110" in a.lead and "128" in a.lead, a.lead
    a = tiny.ask("so which ones longer", ["whats the runtime of alpha road", "and gamma sea?"])
    assert a.films[0] == "Gamma Sea" and "95" in a.lead, a.lead
    a = tiny.ask("which is longer, that or the first one?", ["whats alpha road about", "ok and gamma sea?"])
    assert not a.abstained and a.films[0] == "Gamma Sea", a.lead  # 110 minutes against 95
    a = tiny.ask("is the first one longer than that?", ["tell me about beta house", "what about alpha road?"])
    assert a.films[0] == "Beta House" and "128" in a.lead, a.lead
    a = tiny.ask("which one came out first", ["how long is beta house", "and gamma sea?"])  # not all the films'
    assert a.films == ["Gamma Sea", "Beta House"], a.lead
    assert tiny.ask("beta house or gamma sea, which came out 1st").films[0] == "Gamma Sea"  # "1st" is "first"
    a = tiny.ask("which came out first", ["tell me about beta house", "and gamma sea?"])
    assert a.films == ["Gamma Sea", "Beta House"], a.lead


@pytest.mark.parametrize("question", [
    "which film is about a fisherman?", "who directed Alpha Road?", "how long is Gamma Sea?",
    "which film is about a nurse in 2009?", "what is the longest film about a storm?", "Tell me about Beta House",
    "which movie has the most snow?", "films with a lonely patient", "which film is first on the list?",
    "films where people fall in love in the spring", "which film is about a family in winter?",
    "what happened in 2009?", "which 2009 film is about a robot?", "any robot films from 2009?",
    "2009 fisherman movies", "nurse films from 2009",  # words that mean what a film is about
])
def test_ordinary_questions_are_left_to_retrieval(tiny, question):
    q = tiny.searcher.understand(question)
    assert parse(q.text, q.named, catalog_for(tiny.searcher)) is None


def test_ordinary_question_still_finds_its_film(tiny):
    assert tiny.ask("which film is about a fisherman and his daughter?").films[0] == "Gamma Sea"
    # a sentence that tells the story is no aside, though it names no film: the question is retrieval's
    a = tiny.ask("Trying to remember a film from 2009. A lonely patient befriends the night-shift nurse. Which one is it?")
    assert a.films[0] == "Delta Night" and "films came out" not in a.lead, a.lead


# ---------------------------------------------------------------- the shipped corpus, end to end

@pytest.mark.parametrize("question, first, films", [
    ("Which of these films is the longest?", "Way Back Home", None),
    ("Which film came out most recently?", "Be With You", None),
    ("Which came out first, Hope or Silenced?", "Silenced", None),
    ("Which films came out in the autumn?", None, {"A Moment To Remember", "A Werewolf Boy", "Hope", "You Are My Sunshine"}),
    ("How many films did Park Jin-Pyo direct?", None, {"You Are My Sunshine", "Voice of a Murderer"}),
    ("Which films run over two hours?", None, {"Miracle in Cell No. 7", "Hope", "Silenced", "Way Back Home",
                                               "Spirits’ Homecoming"}),
])
def test_shipped_corpus(shipped_composer, question, first, films):
    a = shipped_composer.ask(question)
    assert not a.abstained, a.lead
    if first:
        assert a.films[0] == first, a.lead
    if films:
        assert set(a.films) == films, a.lead


def test_shipped_corpus_unsettled_questions_say_why(shipped_composer):
    a = shipped_composer.ask("Which of these films is the longest?")
    assert a.lead.startswith("The runtime is stated for 10 of the 34 films") and "don't give the runtime for" in a.lead
    a = shipped_composer.ask("Which is longer, Hope or Train to Busan?")
    assert a.abstained and "runtime of **Train To Busan**" in a.lead
    a = shipped_composer.ask("Which came out first, Hope or Way Back Home?")
    assert a.abstained and "no exact date for **Way Back Home**" in a.lead


def test_every_prose_pattern_holds_the_word_it_is_skipped_without():
    """A passage without a pattern's ``needs`` word is not searched with it: the word must be in the pattern."""
    from filmchat.facts import NEEDS

    assert len(NEEDS) >= 5
    for pattern, need in NEEDS.items():
        assert need in pattern.pattern.replace("[Bb]", "b"), (pattern.pattern, need)
