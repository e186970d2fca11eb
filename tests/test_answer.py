"""Composing answers: facts first, cited, conflicting facts shown side by side, lists each film cited."""

from __future__ import annotations

import pytest

from filmchat.lifecycle import open_composer
from filmchat.facts import fact_kind, facts_in
from filmchat.chunking import Chunk
from filmchat.settings import load_settings

from conftest import CORPUS, write_corpus


def test_fact_kinds_from_question_words():
    assert fact_kind("who directed Hope?") == "director"
    assert fact_kind("how long is Harmony?") == "duration"
    assert fact_kind("when was A Werewolf Boy released?") == "release"
    assert fact_kind("who stars in it?") == "cast"
    assert fact_kind("who's in the second one") == "cast"
    assert fact_kind("which film is about a robot?") is None
    assert fact_kind("how long was he in prison?") is None and fact_kind("how long was it?") == "duration"  # a span of the story
    assert fact_kind("ok who made it") == "director" and fact_kind("who made the music for Hope?") != "director"
    assert fact_kind("whos playing the lawyer") == "cast"
    assert fact_kind("ok going back - what year is the one before that from") == "release"  # after lead-in words
    assert fact_kind("what year is it set in") is None  # the story's year, not its release


def test_facts_come_from_metadata_lines_and_prose():
    text = "Director: Ana Park\n\nRelease date: May 1, 2019\n\nIt was released in 2019 to acclaim."
    c = Chunk("a:0", "a.txt", 0, len(text), text, "T", "Blue", "1. Blue")
    got = {(f.kind, f.value) for f in facts_in(c)}
    assert ("director", "Ana Park") in got and ("release", "May 1, 2019") in got
    prose = "The director of the film, Kim Hak Soon, said his goal was peace."
    c2 = Chunk("b:0", "b.txt", 0, len(prose), prose, "T", "X", None)
    assert [(f.kind, f.value) for f in facts_in(c2)] == [("director", "Kim Hak Soon")]


def test_a_release_year_told_by_another_date_is_worked_out_and_says_how():
    text = "The case was closed in March 2006, two years prior to the release of this movie. Its hero is a nurse."
    c = Chunk("a:0", "a.txt", 100, 100 + len(text), text, "T", "Blue", None)
    assert [(f.kind, f.value, text[f.start - 100:f.end - 100]) for f in facts_in(c)] == [
        ("release", "2008, two years after 2006", text[:text.index(" Its")])]
    late = "The sequel followed in 2012, a year after the release."
    assert [f.value for f in facts_in(Chunk("b:0", "b.txt", 0, len(late), late, "T", "X", None))] == ["2011, a year before 2012"]
    any_year = "Women testified in 2007 about what happened."  # a year is no release
    assert facts_in(Chunk("c:0", "c.txt", 0, len(any_year), any_year, "T", "X", None)) == []


@pytest.fixture()
def two_articles(tmp_path, embedder):
    corpus = write_corpus(tmp_path / "c", {
        "one.txt": "Best Films\n\n1. Blue Harbour\n\nDirector: Ana Park\n\nRelease date: May 1, 2019\n\n"
                   "A lighthouse keeper rescues a fisherman during a storm.\n",
        "two.txt": "More Films\n\n1. Blue Harbour\n\nRelease year: 2018\n\nDuration: 104 minutes\n\n"
                   "A keeper of a lighthouse saves a sailor and they become friends.\n",
    })
    s = load_settings(env={}, corpus_dir=corpus, index_dir=tmp_path / "i")
    return open_composer(s, embedder=embedder, log=lambda m: None)


def test_fact_answer_leads_with_the_fact_and_cites_it(two_articles):
    a = two_articles.ask("who directed Blue Harbour?")
    assert a.lead.startswith("**Blue Harbour** was directed by Ana Park [1]")
    assert "Director: Ana Park" in a.citations[0].text and a.citations[0].file == "one.txt"


def test_conflicting_facts_are_both_shown_with_their_sources(two_articles):
    a = two_articles.ask("when was Blue Harbour released?")
    first = a.lead
    assert "May 1, 2019" in first and "2018" in first and "disagree" in first
    files = {c.file for c in a.citations}
    assert files == {"one.txt", "two.txt"}


def test_film_card_merges_every_article(two_articles):
    a = two_articles.ask("Tell me about Blue Harbour")
    labels = [row[0] for row in a.card]
    assert {"Released", "Director", "Runtime", "Plot"} <= set(labels)
    assert labels.count("Plot") == 2  # one plot line per article
    for _, _, nums in a.card:
        assert nums and all(1 <= n <= len(a.citations) for n in nums)


def test_empty_and_whitespace_questions_get_a_message(two_articles):
    for q in ["", "   ", "\n\t"]:
        a = two_articles.ask(q)
        assert a.error and "Please type a question" in a.text and a.citations == []


def test_control_characters_and_huge_questions_are_cleaned(two_articles):
    a = two_articles.ask("who\x00 directed\x1b Blue Harbour?")
    assert "Ana Park" in a.lead
    a = two_articles.ask("lighthouse " * 20_000)
    assert "cut to its first" in a.text and len(a.question) <= two_articles.settings.max_question_chars


# ---- a few end-to-end checks on the shipped corpus

def test_adoptee_question_answers_my_father_with_the_bates_passage(shipped_composer):
    a = shipped_composer.ask("which film is about a Korean adoptee?")
    assert a.films[0] == "My Father" and a.lead.startswith("**My Father**")
    assert any("Aaron Bates" in c.text for c in a.citations[:3])


def test_one_film_many_articles_is_one_film_with_a_citation_per_article(shipped_composer):
    a = shipped_composer.ask("Which movie is about a mentally disabled dad sentenced to death while his daughter cries?")
    assert a.films[0] == "Miracle in Cell No. 7" and a.films.count("Miracle in Cell No. 7") == 1
    assert len({c.file for c in a.citations if c.film == "Miracle in Cell No. 7"}) >= 3


def test_truncated_copy_is_never_cited_beside_its_original(shipped_composer):
    a = shipped_composer.ask("which film is about the Burim case?")
    assert a.films[0] == "The Attorney"
    assert not any(c.file == "true-stories-behind-korean-films-excerpt.txt" for c in a.citations)


def test_fact_question_on_the_shipped_corpus(shipped_composer):
    a = shipped_composer.ask("How long is Harmony?")
    assert a.lead.startswith("**Harmony** runs 115 minutes")
    c = a.citations[0]
    assert (CORPUS / c.file).read_text(encoding="utf-8")[c.start:c.end] == c.text


def test_which_films_lists_every_matching_film_and_counts_them_in_words(tmp_path, embedder):
    corpus = write_corpus(tmp_path / "c", {"prison.txt": (
        "Prison Films\n\n1. Iron Gate\n\nA prisoner serving a life sentence is let out for one day to see his son.\n\n"
        "2. Last Letter\n\nA prisoner serving a life sentence writes to the daughter he has never met.\n\n"
        "3. Summer Kite\n\nTwo sisters fly a kite on the beach every summer.\n\n"
        "4. Night Choir\n\nWomen in a prison choir sing for the first time on stage.\n")})
    c = open_composer(load_settings(env={}, corpus_dir=corpus, index_dir=tmp_path / "i"), embedder=embedder,
                      log=lambda m: None)
    a = c.ask("Which films are about a prisoner serving a life sentence?")
    assert set(a.films[:2]) == {"Iron Gate", "Last Letter"} and a.lead.startswith("2 films match:")
    assert "Summer Kite" not in a.lead
    one = c.ask("Which films are about sisters flying a kite?")
    assert one.lead.startswith("One film matches: **Summer Kite**")


def test_a_film_cards_plot_lines_tell_the_story_not_a_reaction(shipped_composer):
    a = shipped_composer.ask("Tell me about Miracle in Cell No. 7")
    plots = [value for label, value, _ in a.card if label == "Plot"]
    assert plots and all("break your heart" not in p and "sentenced to death" not in p for p in plots)
    assert any(("story" in p or "is about" in p) for p in plots[:1])


def test_a_fact_of_a_described_film_is_that_films_fact_or_a_refusal(shipped_composer):
    a = shipped_composer.ask("who directed the zombie movie?")  # the film is found by its description
    assert not a.abstained and a.films[:1] == ["Train To Busan"] and "Yeon Sang-Ho" in a.lead, a.lead
    # the fact's words alone are closest to some film's "Director: …" line: never an answer by themselves
    a = shipped_composer.ask("who directed the film about a robot?")
    assert a.abstained and "robot" in a.lead and "John H." not in a.lead, a.lead
    a = shipped_composer.ask("Which film is about a boy who acts like a wild animal and falls for a sick girl?")
    assert a.films[:1] == ["A Werewolf Boy"] and " stars " not in a.lead, a.lead  # "who acts like" asks no cast


def test_a_year_in_a_sentence_is_no_release_date(shipped_composer):
    a = shipped_composer.ask("what year was I Can Speak released?")  # its passages have years, none of its release
    assert a.abstained and "came out" in a.lead and "I Can Speak" in a.lead, a.lead


def test_who_is_in_a_film_asks_its_cast_not_its_card(shipped_composer):
    a = shipped_composer.ask("who is in Hope?")  # no content word left, yet a fact is asked
    assert not a.abstained and a.lead.startswith("**Hope** stars ") and a.card == [], a.lead


def test_whats_a_title_about_typed_with_an_apostrophe_gets_the_film(shipped_composer):
    a = shipped_composer.ask("what's miracle in cell no 7 about")  # "what's" is read as "whats", a question word
    assert not a.abstained and a.films[:1] == ["Miracle in Cell No. 7"], a.lead
