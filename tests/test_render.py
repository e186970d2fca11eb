"""What the user sees: answers as escaped markdown and as the JSON of `ask --json`."""

from __future__ import annotations

from filmchat.render import Answer, Citation, escape_md, excerpt_md, listing


def test_escaping_keeps_html_and_markdown_inert():
    for evil in ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
                 "![x](http://x/a.png)", '<a href="javascript:alert(1)">x</a>']:
        out = escape_md(evil)
        assert "<" not in out and "](" not in out.replace("\\](", "")
    assert escape_md("Tom & Jerry") == "Tom &amp; Jerry"


def citation(highlight=None) -> Citation:
    return Citation(1, "A girl hides. <b>She</b> waits for the train.", "Night *Train*", "Sad Films", "a.txt", 10, 60,
                    0.5, highlight)


def test_the_cited_sentence_is_bold_inside_an_escaped_quote():
    text = excerpt_md(citation(highlight=(14, 45)))
    assert text.startswith("> A girl hides. **&lt;b&gt;She&lt;/b&gt; waits for the train.**")


def test_an_abstained_answer_shows_its_passages_as_closest_matches_and_json_keeps_offsets():
    a = Answer("q", "", [], [citation()], True, lead="The articles don't say.")
    md = a.markdown()
    assert "**Closest matches**" in md and "**Sources**" not in md
    assert "Night \\*Train\\*" in md  # a film's name is escaped too
    j = a.to_json("x1")
    assert j["id"] == "x1" and j["abstained"] is True and j["citations"][0]["start"] == 10


def test_listing_names_at_most_four_words():
    assert listing(["olympics"]) == "*olympics*"
    assert listing(["a1", "b2", "c3", "d4", "e5"]) == "*a1*, *b2*, *c3* or *d4*"
