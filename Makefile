# The two set-up commands of README.md:
#   make run    install into .venv and start the chat on the shipped corpus
#   make test   install the test dependencies (and Debian's chromium) and run the whole suite
# Both are safe to repeat: installs are skipped while pyproject.toml is unchanged.

VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin
export HF_HUB_OFFLINE = 1
export TOKENIZERS_PARALLELISM = false

.PHONY: run test install install-test chromium bench clean

run: install
	$(BIN)/filmchat serve

test: install-test chromium
	$(BIN)/python -m pytest -q

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# torch first, from the CPU wheel on this machine: a plain `torch` requirement would pull a CUDA build.
$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test,qdrant,qdrant-edge,ray]'
	touch $@

# Browser tests drive Debian's chromium (Playwright cannot download browsers here).
chromium:
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

bench: install-test
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) index/CURRENT index/build-* index/.lock
