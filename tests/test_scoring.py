"""scoring.py computes every figure as the referee's scorer does, on real answers of the shipped corpus."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from filmchat.scoring import outcome, score

REFEREE = Path(__file__).resolve().parents[2] / "shared" / "eval" / "score.py"


@pytest.mark.skipif(not REFEREE.is_file(), reason="the referee's scorer is not beside this checkout")
def test_figures_equal_the_referees_on_the_same_answers(shipped_composer, shipped_settings):
    spec = importlib.util.spec_from_file_location("referee", REFEREE)
    referee = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(referee)
    gold = [json.loads(line) for line in (REFEREE.parent / "dev2.jsonl").read_text().splitlines() if line.strip()]
    preds = [shipped_composer.ask(g["question"], g["history"]).to_json(g["id"]) for g in gold]
    texts = {p.name: p.read_text(encoding="utf-8") for p in shipped_settings.corpus_dir.iterdir() if p.is_file()}
    theirs = referee.score(gold, preds, shipped_settings.corpus_dir)["metrics"]
    assert score(gold, preds, texts) == theirs


def test_outcomes_tell_a_wrong_cited_answer_from_an_abstention():
    g = {"kind": "paraphrase", "films": ["Hope"]}
    assert outcome(g, {"films": ["Hope"], "abstained": False}) == "right"
    assert outcome(g, {"films": ["Always"], "abstained": False}) == "wrong"
    assert outcome(g, {"films": [], "abstained": True}) == "missed"
    u = {"kind": "unanswerable", "films": []}
    assert outcome(u, {"abstained": True}) == "declined" and outcome(u, {"abstained": False}) == "invented"
