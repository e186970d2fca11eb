"""Answer trust on the shipped corpus: every answer is grounded in what its citation says, or says by name
what the articles do not contain (issue: 'Trustworthy answers on questions nobody tuned for')."""

from __future__ import annotations

import re

import pytest

from filmchat.grounding import asked, states


@pytest.mark.parametrize("question, name", [
    ("Who directed The Handmaiden?", "The Handmaiden"),
    ("Who directed Burning?", "Burning"),  # an everyday word: the articles have "burned", not it
    ("tell me about the movie Burning", "Burning"),  # "about the movie" describes no story to show the closest of
    ("Who stars in Ode to My Father?", "Ode to My Father"),
    ("Which films has Bong Joon-ho directed?", "Bong Joon-ho"),
    ("What is Lee Chang-dong's film Poetry about?", "Lee Chang-dong"),
])
def test_a_name_no_article_mentions_is_refused_by_name(shipped_composer, question, name):
    a = shipped_composer.ask(question)
    assert a.abstained and a.films == []
    assert f"don't mention *{name}*" in a.lead or f"don't mention *{name}* or" in a.lead, a.lead
    assert a.citations == []  # never another film's passage


def test_the_named_film_beats_the_conversation_film(shipped_composer):
    a = shipped_composer.ask("Who directed Memories of Murder?", ["which movie has zombies on a train?"])
    assert a.abstained and "Memories of Murder" in a.lead and "Train To Busan" not in a.text


def test_a_follow_up_to_a_film_no_article_mentions_stays_on_it(shipped_composer):
    a = shipped_composer.ask("who directed it?", ["Who directed The Handmaiden?"])
    assert a.abstained and "The Handmaiden" in a.lead and a.citations == []


@pytest.mark.parametrize("question, says", [
    ("who wrote the screenplay for Hope?", "who wrote **Hope**"),
    ("Who directed Taegukgi?", "who directed **Taegukgi**"),
    ("Who plays Aaron Bates in the film My Father?", "**My Father**"),
    ("who is in My Father?", "who plays in **My Father**"),  # its "emotional portrayal" names no one
    # a remake's facts are not the film's own (Hope's metadata gives a director, but not the remake's)
    ("who directed the american remake of Hope?", "remake of **Hope**"),
    # a yes/no question about a true story is not answered by any sentence of the film
    ("is Train to Busan based on a true story?", "whether **Train To Busan** is based on a true story"),
    ("is Train to Busan dubbed in english?", "what language **Train To Busan** is in"),
    ("how much is a ticket to see train to busan", "any price to do with **Train To Busan**"),
    # a part of the film: its cast list does not say who plays it, so the answer says so and gives the list
    ("who played the daughter in Miracle in Cell No. 7?", "who plays the daughter in **Miracle in Cell No. 7**; they give its cast"),
])
def test_a_fact_the_articles_do_not_give_is_named_not_replaced_by_a_neighbouring_fact(shipped_composer, question, says):
    a = shipped_composer.ask(question)
    assert a.abstained and a.films == []
    assert a.lead.startswith("The articles don't say") and says in a.lead, a.lead


def test_a_win_that_no_passage_states_is_not_answered_by_a_cast_list(shipped_composer):
    for question in ("For which movie did Youn Yuh-jung win her Oscar?", "Who won the 2002 World Cup?"):
        a = shipped_composer.ask(question)
        assert a.abstained, a.lead


def test_a_stated_fact_is_still_answered(shipped_composer):
    a = shipped_composer.ask("Who directed Train to Busan?")
    assert not a.abstained and a.films[0] == "Train To Busan" and "Yeon Sang-Ho" in a.lead


@pytest.mark.parametrize("question", [
    "I hope to find a film about a boxer and a blind woman",
    "I always wanted to find a film about a boxer and a blind woman",
])
def test_an_everyday_word_is_not_taken_for_a_title(shipped_composer, question):
    a = shipped_composer.ask(question)
    assert not a.abstained and a.films[0] == "Always", a.lead


def test_always_as_a_word_does_not_answer_with_the_film_always(shipped_composer):
    a = shipped_composer.ask("which film is about a man who always lies?")
    assert not a.films or a.films[0] != "Always"


def test_a_follow_up_follows_the_latest_film(shipped_composer):
    history = ["which film is about a Korean adoptee?", "and the one with the zombies on a train?"]
    assert "Train To Busan" in shipped_composer.ask("how long is it?", history).lead
    assert "My Father" in shipped_composer.ask("how long is the first one?", history).lead
    assert "My Father" in shipped_composer.ask("and when did the one before come out?", history).lead
    # something of an earlier film, named in the follow-up, brings that film back
    assert "My Father" in shipped_composer.ask("who directed the adoptee one?", history).lead
    assert "Train To Busan" in shipped_composer.ask("who directed it?", history).lead
    # "the first one" of a conversation is a film, not the earliest release
    assert "Train To Busan" in shipped_composer.ask("when did the first one come out?", history[::-1]).lead
    # "the werewolf one" calls a film by a word of its title (an everyday word of "A Werewolf Boy"): still a film
    a = shipped_composer.ask("whos in it", ["tell me about train to busan", "ok and the werewolf one?"])
    assert not a.abstained and a.films[0] == "A Werewolf Boy" and "Song Joong-Ki" in a.lead, a.lead
    # who is in a film the articles give no cast for, asked with its characters: the sentence that names them
    a = shipped_composer.ask("and who's in it, like who are the characters", ["what year did daisy come out"])
    assert not a.abstained and a.films[0] == "Daisy" and "Hye-young" in a.lead, a.lead
    assert shipped_composer.ask("who's in daisy?").abstained  # no cast, and not asked for its characters
    # an older film's one word ("jail") does not take the conversation back from the film just switched to ...
    switched = ["miracle in cell 7 is so sad omg", "ok but whats way back home about"]
    a = shipped_composer.ask("where does she end up in jail?? and hows long the movie", switched)
    assert not a.abstained and a.films[0] == "Way Back Home", a.lead
    # ... but choosing between the two films talked of picks the one whose passages say it
    a = shipped_composer.ask("which of those two is based on a true story?", ["how long is silenced", "and harmony?"])
    assert not a.abstained and a.films[0] == "Silenced", a.lead
    # "a different one, …" describes a film other than the conversation's, as "another one where …" does
    switched = ["wedding dress movie", "ok different one, the 14 yr old girl taken by the japanese army"]
    a = shipped_composer.ask("when did that come out", switched)
    assert not a.abstained and a.films[0] == "Spirits’ Homecoming" and "2016" in a.lead, a.lead


def test_every_listed_film_carries_a_citation_of_its_own(shipped_composer):
    a = shipped_composer.ask("Which films are based on true stories?")
    listed = re.findall(r"\*\*(.+?)\*\* \(([^)]*)\)", a.lead)
    assert len(listed) >= 5 and "A Moment To Remember" not in a.lead  # no article calls it a true story
    by_number = {c.n: c for c in a.citations}
    for film, why in listed:
        numbers = [int(n) for n in re.findall(r"\[(\d+)\]", why)]
        assert numbers, film
        # its own passage, or the list introduction that names it among true stories
        assert all(by_number[n].film in (film, None) for n in numbers), (film, why)


def test_nothing_to_search_gets_a_short_message_and_no_passages(shipped_composer):
    for junk in ("<script>alert(1)</script>", "!!! ??? ###", "qwxz vbnm"):
        a = shipped_composer.ask(junk)
        assert a.abstained and a.citations == [] and len(a.lead) < 200, a.lead


def test_what_a_question_asks_for():
    assert asked("who wrote the screenplay for Hope?").kind == "screenplay"
    assert asked("Did Hope win anything at the Blue Dragon Film Awards?").kind == "awards"
    assert asked("where did they shoot A Werewolf Boy?").kind == "location"
    assert asked("inmate whose 15 years of good behaviour earns him 24 hours outside") is None
    assert asked("which film is about a man who always lies?") is None
    assert asked("KTX seoul to busan ticket price?").kind == "price"  # its passage names the KTX, no price
    assert asked("whos the main guy in silenced").kind == asked("who is the main character in silenced").kind == "character"
    assert states("awards", "It won Best Film at the festival.") and not states("awards", "It stars Gong Yoo.")
    assert not states("awards", "Jin Tae wins a medal of honor.")  # a prize in the story is not the film's award
    assert not states("cast", "Chul Min, a former boxer starts a new job as a parking attendant.")  # "starts"
    assert states("age", "who was adopted by an American family when he was five years old")  # in words


def test_who_plays_a_part_the_articles_do_not_cast_is_declined_not_answered_with_the_part(shipped_composer):
    a = shipped_composer.ask("whos playing the lawyer", ["the one where a 10 yr old girl says she killed her little brother??"])
    assert a.abstained and "lawyer" in a.lead, a.lead  # the sentence naming the lawyer names no actor
    a = shipped_composer.ask("who stars in it", ["and always? ex boxer parking attendant + blind telemarketer"])
    assert a.abstained and "Always" in a.lead, a.lead  # "starts a new job" casts nobody


def test_advice_on_the_askers_own_life_is_not_answered_with_a_film(shipped_composer):
    assert asked("how do i find the movie where a dad goes to prison?") is None  # a search for a film
    assert asked("how can i watch hope") is None or asked("how can i watch hope").kind != "advice"
    for question in ("how do i find a good tax lawyer in seoul as a foreigner",  # The Attorney's lawyer
                     "how do you say i love you in korean"):  # Salut D'Amour's love
        a = shipped_composer.ask(question)
        assert a.abstained and a.films == [], a.lead
        assert "how to do that" in a.lead


def test_a_closest_match_says_which_part_no_article_has(shipped_composer):
    a = shipped_composer.ask("Which film is about a marathon runner who wins the Olympics?")
    assert a.abstained and a.films == []
    assert "don't mention *Olympics*" in a.lead and "closest match is **Marathon**" in a.lead
    assert a.citations and a.citations[0].film == "Marathon"


def test_a_long_casual_description_ending_in_what_was_it_called_is_answered(shipped_composer):
    a = shipped_composer.ask("I watched this years ago and still can't get over it. It's set back when Japan ruled Korea, "
                             "during the war, and a young teenage girl and a bunch of other girls get dragged off by "
                             "soldiers and forced into, well, you know. What was it called?")
    assert not a.abstained and a.films[0] == "Spirits’ Homecoming", a.lead


def test_a_known_name_alone_does_not_carry_an_answer(shipped_composer):
    a = shipped_composer.ask("Which film stars Song Kang-ho as a taxi driver in Gwangju?")
    assert a.abstained and a.films == [], a.lead  # Song Kang Ho is in The Attorney; no taxi driver is
    b = shipped_composer.ask("Which film is based on Bae Hyung Jin?")
    assert not b.abstained and b.films[0] == "Marathon"


def test_a_cast_given_in_the_plot_as_character_and_actor_answers_who_plays(shipped_composer):
    a = shipped_composer.ask("who plays in I Can Speak?")
    assert not a.abstained and "Na Moon Hee" in a.lead


def test_a_release_from_prison_is_not_a_release_date(shipped_composer):
    a = shipped_composer.ask("what year did His Last Gift come out?")
    assert a.abstained and "came out" in a.lead


def test_a_list_of_films_by_a_fact_no_passage_states_lists_none(shipped_composer):
    a = shipped_composer.ask("which of these movies are rated 18+? my little cousin is staying over")
    assert a.abstained and a.films == [] and "age rating" in a.lead, a.lead
    assert asked("which of these movies has the highest imdb rating") is None  # a score, not an age rating


def test_a_true_story_the_catalog_knows_is_answered_from_it(shipped_composer):
    a = shipped_composer.ask("is northern limit line a true story?")  # only its article's list says so
    assert not a.abstained and "listed among films based on true stories" in a.lead, a.lead
    a = shipped_composer.ask("what about silenced, is that one real too", ["is hope based on a true story?"])
    assert a.films == ["Silenced"] and "actually happened" in a.lead, a.lead
    a = shipped_composer.ask("in the real case behind Voice of a Murderer how much ransom did the kidnapper ask for")
    assert "70 million" in a.lead, a.lead  # a question about the case, not whether there is one


def test_who_plays_a_part_is_answered_by_the_sentence_that_names_the_actor_beside_it(shipped_composer):
    a = shipped_composer.ask("who plays the grandma in I Can Speak?")  # "Na Ok Boon (Na Moon Hee), … elderly woman"
    assert not a.abstained and "Na Moon Hee" in a.lead, a.lead


@pytest.mark.parametrize("question, name", [
    ("did park chan wook direct any of these?", "park chan wook"),  # a person typed in lower case
    ("what movies has lee min ho been in?", "lee min ho"),
    ("who is kim ji-young", "kim ji young"),
    ("did bong joon ho direct any of these?", "bong joon ho"),  # no catalog person has that surname
    ("is ode to my father on any of these lists?", "ode to my father"),  # a film, though it ends in a title
    ("does anyone recommend the classic? the love story with the letters", "the classic"),
    ("is the host worth watching?", "the host"), ("does welcome to dongmakgol have a sad ending", "welcome to dongmakgol"),
    ("what is ode to my father about?", "ode to my father"),  # opening a conversation
])
def test_a_person_no_article_names_is_refused_by_name_however_typed(shipped_composer, question, name):
    a = shipped_composer.ask(question)
    assert a.abstained and f"*{name}*" in a.lead and a.films == [], a.lead


@pytest.mark.parametrize("question", [
    "is song kang ho in the attorney?", "what else has son ye-jin been in?", "his son dies at the end, which film is that?",
    "whats gong yoo's character do for a living in train to busan",  # a possessive is the name's
    "is my father on any of these lists?", "is there anything on these lists that was released before 2006?",
    "can you recommend a sad movie?",  # a title the articles have, or no title at all
    "is miracle in cell 7 worth watching?", "does it have a sad ending?",  # a title not as written; no title
])
def test_a_person_the_articles_name_or_an_everyday_phrase_is_not_refused(shipped_composer, question):
    a = shipped_composer.ask(question)
    assert "don't mention" not in a.lead, a.lead


def test_a_prize_asked_of_a_film_is_not_answered_by_its_cast(shipped_composer):
    a = shipped_composer.ask("who won best actor at the blue dragon awards for miracle in cell no. 7?")
    assert a.abstained and "award" in a.lead and "Park Shin-Hye" not in a.lead, a.lead


def test_a_fact_not_given_is_named_in_a_follow_up_too(shipped_composer):
    a = shipped_composer.ask("where did they film it", ["miracle in cell no 7 is my fav"])
    assert a.abstained and a.lead.startswith("The articles don't say where **Miracle in Cell No. 7** was filmed"), a.lead


def test_what_is_x_about_later_in_a_conversation_asks_of_its_film(shipped_composer):
    a = shipped_composer.ask("what was the court case about", ["who directed the attorney"])
    assert "don't mention" not in a.lead and "The Attorney" in a.lead, a.lead
