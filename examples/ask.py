"""Ask filmchat from Python: build (or load) the index of corpus/ and print a cited answer.

    python examples/ask.py "which film is about a Korean adoptee?"
"""

import sys

from filmchat.lifecycle import open_composer
from filmchat.settings import load_settings

composer = open_composer(load_settings())  # builds index/ on first run
answer = composer.ask(" ".join(sys.argv[1:]) or "who directed Hope?")
print(answer.text)
for c in answer.citations:
    print(f"[{c.n}] {c.file}[{c.start}:{c.end}] {c.film}")
