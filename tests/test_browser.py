"""The chat in a real browser: Debian's chromium driven by Playwright against the real app on 127.0.0.1."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import ROOT, TINY, start_server, stop_server, write_corpus

# A reply that never reached the page was seen twice in full-suite runs on a loaded machine (the server
# had answered); until its cause is found, a browser test that fails is run again, at most twice.
pytestmark = [pytest.mark.browser, pytest.mark.flaky(reruns=2)]
CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click me](javascript:alert(1))"]

if not Path(CHROMIUM).exists():  # `make test` installs it; say so rather than fail obscurely
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM,
                              args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield b
        b.close()


class Chat:
    """One browser tab on the chat; records any JavaScript dialog (an XSS would open one)."""

    def __init__(self, browser, url: str):
        self.page = browser.new_page(viewport={"width": 1200, "height": 1000})
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.goto(url)
        self.page.wait_for_selector("#filmchat-question textarea")

    def ask(self, question: str) -> str:
        bots = self.page.locator("#filmchat-chat .message.bot")
        before = bots.count()
        self.page.fill("#filmchat-question textarea", question)
        self.page.keyboard.press("Enter")
        try:
            self.page.wait_for_function(
                f"""() => {{ const b = document.querySelectorAll('#filmchat-chat .message.bot');
                            return b.length > {before} && b[{before}].innerText.trim() !== ''
                                   && !b[{before}].innerText.includes('Loading content'); }}""", timeout=120_000)
        except Exception as e:  # noqa: BLE001 - say what the page showed, so a failure can be understood
            box = self.page.input_value("#filmchat-question textarea")
            raise AssertionError(f"no reply to {question!r} in 120 s; question box holds {box!r}; "
                                 f"page ends with {self.page.inner_text('body')[-600:]!r}") from e
        return bots.nth(before).inner_text()

    def chat_text(self) -> str:
        return self.page.inner_text("#filmchat-chat")


@pytest.fixture()
def chat(browser, server):
    c = Chat(browser, server)
    yield c
    c.page.close()


def test_adoptee_question_shows_my_father_with_a_cited_excerpt(chat):
    reply = chat.ask("which film is about a Korean adoptee?")
    assert reply.startswith("My Father")
    assert "[1]" in reply and "True Stories Behind Korean Films" in reply and "Aaron Bates" in reply
    # the matched sentence is highlighted inside the excerpt
    assert chat.page.locator("#filmchat-chat .message.bot blockquote strong").count() >= 1
    # each source can expand to its whole section
    details = chat.page.locator("#filmchat-chat .message.bot details").first
    details.locator("summary").click()
    assert "Bates asked the U.S. military" in details.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    chat.page.evaluate("document.querySelector('#filmchat-chat .bubble-wrap, #filmchat-chat [role=log]')?.scrollTo(0, 0)")
    chat.page.screenshot(path=str(ARTIFACTS / "cited-answer.png"))
    shutil.copyfile(ARTIFACTS / "cited-answer.png", ROOT / "docs" / "screenshot.png")  # README's picture, from this run


def test_two_turn_follow_up_stays_on_the_film(chat):
    assert chat.ask("Which film is about an autistic marathon runner?").startswith("Marathon")
    reply = chat.ask("when did it come out?")
    assert reply.startswith("Marathon was released in 2005")
    assert chat.ask("which movie has zombies on a train?").startswith("Train To Busan")  # a new topic


def test_unanswerable_question_says_it_is_not_in_the_articles(chat):
    reply = chat.ask("which film is about a robot?")
    assert reply.startswith("The articles don't say: no article mentions robot")
    reply = chat.ask("which film is about a pianist competing in Vienna?")
    assert "The articles don't mention Vienna" in reply and "Closest matches" in reply


def test_user_text_is_shown_as_text_and_never_runs(chat):
    for evil in XSS:
        chat.ask(evil)
    page = chat.page
    assert chat.dialogs == []
    assert page.locator("#filmchat-chat script").count() == 0
    assert page.locator("#filmchat-chat img[src='x']").count() == 0
    assert page.locator("#filmchat-chat a[href^='javascript']").count() == 0
    text = chat.chat_text()
    assert "<script>alert(1)</script>" in text and "<img src=x onerror=alert(1)>" in text  # shown, as text


@pytest.mark.parametrize(("question", "expected"), [
    ("   ", "Please type a question"),
    ("\x00\x07 who directed Hope? \x1b[31m", "Hope was directed by Lee Joon-Ik"),
    ("🎬🎬 sad film? 😢", "the closest are"),  # every film is sad: none is singled out, the closest are named
    ("슬픈 한국 영화 추천해 주세요", "the articles are in English"),
    ("أي فيلم عن الأب؟", "the articles are in English"),  # right-to-left
    ("lighthouse " * 10_000, "Your question was cut to its first 2000 characters"),
])
def test_odd_questions_get_an_answer_or_a_message_and_the_chat_keeps_working(chat, question, expected):
    reply = chat.ask(question)
    assert expected in reply and "something went wrong" not in reply
    assert chat.ask("who directed Train to Busan?").startswith("Train To Busan was directed by Yeon Sang-Ho")


def test_reload_keeps_the_conversation_and_its_film(chat):
    assert chat.ask("how long is Harmony?").startswith("Harmony runs 115 minutes")
    chat.page.reload()
    chat.page.wait_for_selector("#filmchat-chat .message.bot", timeout=20_000)
    assert "Harmony runs 115 minutes" in chat.chat_text()
    assert chat.ask("what is it about?").startswith("Harmony")  # the follow-up still knows the film


@pytest.mark.parametrize("button", ["#filmchat-new", "#filmchat-chat button[aria-label='Clear']"])
def test_new_chat_and_clear_forget_the_conversation(chat, button):
    assert chat.ask("how long is Harmony?").startswith("Harmony")
    chat.page.click(button)
    chat.page.wait_for_function("document.querySelectorAll('#filmchat-chat .message.bot').length == 0")
    assert "Harmony" not in chat.chat_text()
    # nothing hidden is left to steer a follow-up, and a reload does not bring the old chat back
    assert chat.ask("what is it about?").startswith("Which film do you mean?")
    chat.page.reload()
    chat.page.wait_for_selector("#filmchat-chat .message.bot", timeout=20_000)
    assert "Harmony" not in chat.chat_text()


def test_examples_are_on_the_first_screen(chat):
    assert chat.page.get_by_text("which film is about a Korean adoptee?").first.is_visible()


@pytest.fixture(scope="module")
def own_server(tmp_path_factory):
    """A server on a corpus of its own: an article with hostile markup, and room to add articles."""
    base = tmp_path_factory.mktemp("own")
    corpus = write_corpus(base / "corpus", {
        **TINY,
        "night_script.md": "# Evil Films\n\n## 1. Night Script\n\nA hacker writes <script>alert('article')</script> and "
                           "<img src=x onerror=alert('article')> into a film about a [lost letter](javascript:alert('article')). "
                           "![pixel](http://127.0.0.1:9/pixel.png) <span style=\"position:fixed;inset:0\">Cover</span> "
                           "Write to night@example.com or see www.example.com.\n",
    })
    proc, url = start_server(base / "index", corpus=corpus)
    yield url, corpus
    stop_server(proc)
    shutil.rmtree(base, ignore_errors=True)


def test_article_markup_is_shown_as_text(browser, own_server):
    url, _ = own_server
    chat = Chat(browser, url)
    reply = chat.ask("which film is about a hacker and a lost letter?")
    assert reply.startswith("Night Script") and "<script>alert('article')</script>" in reply
    assert "![pixel](http://127.0.0.1:9/pixel.png)" in reply and '<span style="position:fixed' in reply  # as text
    assert "night@example.com or see www.example.com." in reply and "night_script.md" in reply  # exactly as written
    assert chat.dialogs == []
    hostile = "script, img, a, [style*='fixed'], [onerror]"  # no element the article's text could have made
    assert chat.page.locator(", ".join(f"#filmchat-chat .message.bot {h}" for h in hostile.split(", "))).count() == 0
    chat.page.close()


def test_rebuild_button_picks_up_a_new_article_without_restart(browser, own_server):
    url, corpus = own_server
    (corpus / "desert.txt").write_text("Desert Films\n\n1. Dune Sea\n\nA nomad guides a lost caravan across the dunes "
                                       "to an oasis.\n", encoding="utf-8")
    chat = Chat(browser, url)
    chat.page.get_by_text("Index").first.click()
    chat.page.click("#filmchat-rebuild")
    chat.page.wait_for_function("document.body.innerText.includes('added: desert.txt')", timeout=60_000)
    page = chat.page.inner_text("body")
    assert "The index matches the corpus" in page and "does not match" not in page  # the status, brought up to date
    assert chat.page.locator("#filmchat-rebuild-progress").count() == 1  # the progress bar has a place of its own
    assert chat.ask("which film is about a nomad guiding a caravan?").startswith("Dune Sea")
    chat.page.close()


FIRST_LINE_IN_VIEW = """() => {
  const bots = document.querySelectorAll('#filmchat-chat .message.bot');
  const first = bots[bots.length - 1].querySelector('p') || bots[bots.length - 1];
  const r = first.getBoundingClientRect();
  let box = first.parentElement;  // the chat's own scroll area must show it too
  while (box && box.scrollHeight <= box.clientHeight + 1) box = box.parentElement;
  const area = box ? box.getBoundingClientRect() : {top: 0, bottom: window.innerHeight};
  return r.top >= Math.max(0, area.top) - 1 && r.top < Math.min(window.innerHeight, area.bottom);
}"""


@pytest.mark.parametrize("size", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}])
def test_a_long_answer_lands_with_its_first_line_in_view(browser, server, size):
    chat = Chat(browser, server)
    chat.page.set_viewport_size(size)
    chat.ask("which film is about a Korean adoptee?")
    chat.ask("Which films are based on true stories?")  # a long answer with many sources
    chat.page.wait_for_timeout(300)
    assert chat.page.evaluate(FIRST_LINE_IN_VIEW)
    chat.page.close()


def test_an_example_asks_when_clicked_and_the_cursor_returns_to_the_box(browser, server):
    chat = Chat(browser, server)
    chat.page.get_by_text("which film is about a Korean adoptee?").first.click()
    chat.page.wait_for_function("document.querySelectorAll('#filmchat-chat .message.bot').length >= 1 && "
                                "document.querySelector('#filmchat-chat .message.bot').innerText.startsWith('My Father')",
                                timeout=60_000)
    chat.page.wait_for_function("document.activeElement === document.querySelector('#filmchat-question textarea')",
                                timeout=10_000)
    outline = chat.page.evaluate("getComputedStyle(document.querySelector('#filmchat-question textarea')).outlineStyle")
    assert outline == "solid"  # the focus can be seen
    chat.page.close()


def test_open_the_source_shows_the_whole_section_with_the_cited_sentence_marked_in_view(browser, server):
    chat = Chat(browser, server)
    chat.page.set_viewport_size({"width": 1280, "height": 800})
    chat.ask("which film is about a Korean adoptee?")
    details = chat.page.locator("#filmchat-chat .message.bot details").first
    details.locator("summary").click()
    marked = details.locator("strong").first
    marked.wait_for(timeout=10_000)
    cited = chat.page.locator("#filmchat-chat .message.bot blockquote strong").first.inner_text()
    assert marked.inner_text().strip() == cited.strip()  # the sentence the excerpt marks, marked where it stands
    assert "Bates asked the U.S. military" in details.inner_text()  # and the rest of the section around it
    chat.page.wait_for_timeout(300)
    box = marked.bounding_box()
    assert box and 0 <= box["y"] < 800  # scrolled into view
    ARTIFACTS.mkdir(exist_ok=True)
    chat.page.screenshot(path=str(ARTIFACTS / "opened-source.png"))
    shutil.copyfile(ARTIFACTS / "opened-source.png", ROOT / "docs" / "opened-source.png")
    chat.page.close()


def test_the_answers_sources_come_right_after_it_in_tab_order(chat):
    chat.ask("which film is about a Korean adoptee?")
    chat.page.wait_for_selector("#filmchat-chat .message.bot details summary")
    # the reply has landed once the keyboard is back in the box (then nothing moves the focus under the test)
    chat.page.wait_for_function("document.activeElement === document.querySelector('#filmchat-question textarea')")
    chat.page.focus("#filmchat-chat button[aria-label='Clear']")  # the first control of the chat
    seen = []
    for _ in range(12):
        chat.page.keyboard.press("Tab")
        seen.append(chat.page.evaluate("() => { const e = document.activeElement; return e.tagName === 'SUMMARY' ? 'source'"
                                       " : e.closest('#filmchat-question') ? 'box' : e.tagName + ':'"
                                       " + (e.getAttribute('aria-label') || e.innerText.slice(0, 30)); }"))
        if seen[-1] == "box":
            break
    assert "source" in seen and "box" in seen and seen.index("source") < seen.index("box"), seen
    assert seen.index("source") <= 2, seen  # right after the answer (at most its copy button before), not after every control
