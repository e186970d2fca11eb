"""`filmchat eval`: the figures follow their definitions, and baselines run beside filmchat."""

from __future__ import annotations

import json

from filmchat.evaluation import run_eval
from filmchat.scoring import score, supports


def test_supports_needs_a_shared_run_of_forty_characters():
    quote = "adopted from Korea by an American family when he was five years old"
    assert supports("Bates was adopted from Korea by an American family when he was five.", quote)
    assert not supports("He was adopted as a child.", quote)


def test_score_counts_hits_abstentions_and_integrity():
    texts = {"a.txt": "0123456789 Blue Harbour is about a lighthouse keeper who rescues a fisherman."}
    gold = [
        {"id": "1", "kind": "paraphrase", "question": "q", "films": ["Blue Harbour"], "answer": None,
         "evidence": [{"file": "a.txt", "quote": "a lighthouse keeper who rescues a fisherman"}]},
        {"id": "2", "kind": "unanswerable", "question": "q", "films": [], "answer": None, "evidence": []},
    ]
    good_cit = {"file": "a.txt", "start": 11, "end": 79, "text": texts["a.txt"][11:79]}
    bad_cit = {"file": "a.txt", "start": 0, "end": 5, "text": "nope!"}
    pred = [{"films": ["blue harbour"], "abstained": False, "citations": [good_cit, bad_cit], "answer": ""},
            {"films": [], "abstained": False, "citations": [], "answer": ""}]
    m = score(gold, pred, texts)
    assert m["film_hit@1"] == 1.0 and m["evidence_hit@1"] == 1.0
    assert m["abstain_on_unanswerable"] == 0.0 and m["citation_integrity"] == 0.5


def test_eval_runs_filmchat_and_the_baselines_on_a_tiny_set(tiny_settings, tmp_path):
    qs = tmp_path / "q.jsonl"
    rows = [
        {"id": "1", "kind": "paraphrase", "question": "which film is about a stranded astronaut?", "history": [],
         "films": ["Red Dust"], "answer": None, "evidence": [{"file": "space.txt", "quote": "grows potatoes to survive"}]},
        {"id": "2", "kind": "fact", "question": "who directed Salt Wind?", "history": [], "films": ["Salt Wind"],
         "answer": "Min Lee", "evidence": [{"file": "sea.txt", "quote": "Director: Min Lee"}]},
        {"id": "3", "kind": "unanswerable", "question": "which film is about a robot?", "history": [], "films": [],
         "answer": None, "evidence": []},
    ]
    qs.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    report = run_eval(tiny_settings, qs, baselines=True, log=lambda m: None)
    res = report["results"]
    assert set(res) == {"filmchat", "recursive+dense", "recursive+bm25", "recursive+rrf"}
    assert res["filmchat"]["film_hit@1"] == 1.0 and res["filmchat"]["fact_answer_in_text"] == 1.0
    assert res["filmchat"]["abstain_on_unanswerable"] == 1.0 and res["filmchat"]["citation_integrity"] == 1.0
    assert res["recursive+dense"]["abstain_on_unanswerable"] == 0.0  # baselines never abstain
    assert res["filmchat"]["latency_p50_ms"] > 0
    assert "| film_hit@1 |" in report["table"] and "threshold" in report["table"]


def test_cross_validation_reports_out_of_fold_figures_per_set(tiny_settings, tmp_path):
    rows = [
        {"id": "1", "kind": "paraphrase", "question": "which film is about a stranded astronaut?", "history": [],
         "films": ["Red Dust"], "answer": None, "evidence": []},
        {"id": "2", "kind": "paraphrase", "question": "which film is about a diver looking for a lost pearl?",
         "history": [], "films": ["Salt Wind"], "answer": None, "evidence": []},
        {"id": "3", "kind": "unanswerable", "question": "which film is about a robot?", "history": [], "films": [],
         "answer": None, "evidence": []},
        {"id": "4", "kind": "unanswerable", "question": "which film is about a chef in a restaurant?", "history": [],
         "films": [], "answer": None, "evidence": []},
    ]
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("\n".join(json.dumps(r) for r in rows[:2]) + "\n")
    b.write_text("\n".join(json.dumps(r) for r in rows[2:]) + "\n")
    report = run_eval(tiny_settings, [a, b], curve=False, cv=2, log=lambda m: None)
    cv = report["cross_validation"]
    assert cv["per_set"]["a"]["n"] == 2 and cv["per_set"]["b"]["n"] == 2 and cv["all"]["n"] == 4
    assert len(cv["chosen"]) == 2 and all(c["abstain_threshold"] in cv["grid"]["abstain_threshold"] for c in cv["chosen"])
    assert "out-of-fold" in report["table"] and "| kind | right |" in report["table"]


def test_structured_questions_are_scored_by_their_form():
    from filmchat.scoring import score

    gold = [{"kind": "structured", "form": "filter", "films": ["A", "B"]},
            {"kind": "structured", "form": "filter", "films": ["A", "B"]},
            {"kind": "structured", "form": "comparison", "films": ["B"]},
            {"kind": "structured", "form": "unsettleable", "films": [], "answer": "Train To Busan"},
            {"kind": "structured", "form": "unsettleable", "films": [], "answer": "Train To Busan"}]
    pred = [{"films": ["B", "A"], "abstained": False}, {"films": ["A", "B", "C"], "abstained": False},
            {"films": ["A", "B"], "abstained": False},
            {"films": [], "abstained": True, "answer": "the articles don't give the runtime of **Train To Busan**"},
            {"films": [], "abstained": True, "answer": "The articles don't say."}]
    m = score(gold, pred, {})
    assert m["structured_exact_set"] == 0.5 and m["structured_exact_set[filter]"] == 0.5
    assert m["structured_first_film"] == 0.0 and m["structured_declined_with_reason"] == 0.5
    assert "answered_when_answerable" not in m  # a declined unsettleable question is not a failure to answer


def test_a_tie_in_utility_goes_to_the_setting_that_declines_more():
    import numpy as np
    from filmchat.evaluation import best_setting
    utility = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 0]])  # settings 0 and 1 tie on all three questions
    declined = np.array([[False, True, False], [False, False, False], [True, True, True]])
    everything = np.ones(3, dtype=bool)
    assert best_setting(utility, declined, everything) == 0  # setting 0 declined where 1 answered
    assert best_setting(utility, declined, np.array([True, True, False])) == 1  # ... unless 1 scores more there
