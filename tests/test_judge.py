"""Answer or abstain, on the shipped corpus: each reason to abstain, and a question the passages do carry."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def searcher(shipped_composer):
    return shipped_composer.searcher


@pytest.mark.parametrize("question, reason", [
    ("😭", "no words"),  # nothing in English to look for
    ("asdf qwer", "nothing"),  # no word of it in any article
    ("who directed it?", "no film"),  # "it" with no film named or talked about
    ("who was the director?", "no film"),  # a fact and nothing else: not another film's "Director:" line
    ("what's the runtime?", "no film"),
    ("whats his job", "no film"),  # a person of no film named or talked about (not *Always*'s "a new job")
    ("Who directed The Handmaiden?", "unknown"),  # a film no article mentions
])
def test_each_reason_to_abstain(searcher, question, reason):
    r = searcher.search(question)
    assert not r.answerable and r.confidence["reason"] == reason


def test_a_title_word_alone_carries_no_answer(searcher):
    # "busan" is a word of *Train To Busan*, in each of its sentence vectors; nothing else of the question is there
    r = searcher.search("whats the weather gonna be like in busan next week")
    assert not r.answerable
    r = searcher.search("zombie train movie")  # a title word and a word of its story: answered
    assert r.answerable and r.films[0].name == "Train To Busan"


def test_a_plot_the_passages_carry_is_answered_with_its_evidence(searcher):
    r = searcher.search("which film is about a Korean adoptee?")
    assert r.answerable and r.films[0].name == "My Father"
    assert r.confidence["coverage"] >= 0.6


def test_a_film_is_listed_only_when_its_own_passages_carry_the_question(searcher):
    r = searcher.search("which films are about a boxer?")
    listed = [f.name for f in r.films if searcher.judge.listed(r.query, f)]
    assert "Always" in listed and "My Father" not in listed


def test_a_plant_named_like_a_film_is_not_the_film(searcher):
    r = searcher.search("how do I keep a daisy plant alive indoors over winter?")
    assert not r.answerable


def test_a_characters_age_is_answered_from_the_sentence_that_gives_it(shipped_composer):
    a = shipped_composer.ask("How old is Chan Yi in Hearty Paws?")
    assert not a.abstained and a.films[0] == "Hearty Paws" and "11 years old" in a.lead


def test_a_film_must_stand_out_from_the_others_it_shares_a_topic_with():
    from filmchat.chunking import Chunk
    from filmchat.judge import Judge
    from filmchat.ranking import FilmScore, Hit
    from filmchat.settings import load_settings

    chunk = Chunk("c", "f.txt", 0, 1, "x", "T", "Film", None)
    film = lambda key, dense, lexical: FilmScore(key, key, dense, (Hit(0, chunk, dense, dense, lexical, key),))
    judge = Judge(None, None, None, load_settings(env={}, dense_lead=0.0, lexical_lead=1.5))
    # ranked first by the fused score, but another film has a closer sentence and its words match no better
    assert not judge.stands_out([film("a", 0.45, 2.0), film("b", 0.47, 1.8)])
    assert judge.stands_out([film("a", 0.45, 3.0), film("b", 0.47, 1.8)])  # its words match clearly better
    assert judge.stands_out([film("a", 0.47, 0.0), film("b", 0.45, 4.0)])  # the closest in meaning
    assert judge.stands_out([film("a", 0.45, 0.0)])
    off = Judge(None, None, None, load_settings(env={}, dense_lead=1.0))  # 1.0: any film may be first
    assert off.stands_out([film("a", 0.45, 2.0), film("b", 0.47, 1.8)])


def test_no_film_singled_out_names_the_closest(shipped_composer):
    a = shipped_composer.ask("🎬🎬 sad film? 😢")  # every film of these articles is sad
    assert a.abstained and a.films == [] and "the closest are" in a.lead and len(a.citations) >= 2, a.lead


def test_films_asked_for_in_the_plural_need_not_single_one_out(shipped_composer):
    # two films are about comfort women: asked for films, neither has to stand out from the other
    a = shipped_composer.ask("films about the comfort women")
    assert not a.abstained and {"Spirits’ Homecoming", "I Can Speak"} & set(a.films[:2]), a.lead


def test_a_plot_close_in_meaning_sharing_hardly_a_word_is_declined_under_the_coverage_floor(searcher):
    # *My Father*'s "appeared on a TV program for Korean adoptees" is close in meaning to a documentary, and shares
    # no other word: answered on meaning alone without a floor, declined with one
    plot = "documentary-ish korean film about a really old couple married 76 years, then the grandpa gets sick and dies"
    original = searcher.settings
    try:
        searcher.use_settings(original.replace(coverage_floor=0.0))
        free = searcher.search(plot)
        searcher.use_settings(original.replace(coverage_floor=0.2))
        floored = searcher.search(plot)
        titled = searcher.search("is wedding dress a sad movie")  # its title's words are no content words
    finally:
        searcher.use_settings(original)
    assert free.answerable and free.confidence["coverage"] < 0.2
    assert not floored.answerable
    assert titled.answerable and titled.films[0].name == "Wedding Dress"


def test_a_film_whose_passages_hold_far_more_of_the_words_stands_out(searcher):
    # *More than Blue*'s passages hold "months to live", "loves", "another man"; another film has as close a sentence
    plot = "Which film is about a man with only months to live who pushes the woman he loves toward another man?"
    original = searcher.settings
    try:
        searcher.use_settings(original.replace(coverage_lead=0.0, lexical_lead=2.0))
        off = searcher.search(plot)
        searcher.use_settings(original.replace(coverage_lead=1.25, lexical_lead=2.0))
        on = searcher.search(plot)
        # its own title's words are not its lead: "dad" is in every passage of *My Father*
        firefighter = searcher.search("Which movie is about a firefighter dad who dies rescuing children from a burning building?")
        # nor a name's words: *The Attorney* has "North Korean", and no defector or pianist
        defector = searcher.search("Which film is about a North Korean defector who becomes a pianist?")
    finally:
        searcher.use_settings(original)
    assert not off.answerable and off.confidence["reason"] == "no film stands out"
    assert on.answerable and on.films[0].name == "More than Blue"
    assert not firefighter.answerable
    assert not defector.answerable


def test_a_list_takes_no_film_on_meaning_alone_without_the_floor_of_words(shipped_composer):
    # *Hope*'s sentences are close to "comfort women" in meaning (a girl's abuse) and say nothing of them
    a = shipped_composer.ask("are there any films about comfort women?")
    assert not a.abstained and set(a.films) == {"I Can Speak", "Spirits’ Homecoming"}, a.films
