"""compare_eval_runs --fusion-weight (the fused ranking of two runs compared at one memory weight of their grids) and
--answers (the generator's answer metrics paired per question)."""
import json
from pathlib import Path

from models.training.experiments.compare_eval_runs import compare


def _run(folder: Path, grids: dict[str, list[tuple[float, float]]]) -> Path:
    rows = [{"set": "changelog_loc", "id": qid, "fusionGrid": [{"memoryWeight": w, "mrr": rr, "recall@5": 0}
                                                                for w, rr in grid]} for qid, grid in grids.items()]
    (folder / "predictions").mkdir(parents=True)
    (folder / "results.json").write_text(json.dumps({"results": rows}))
    return folder


def test_fused_at_a_weight_pairs_each_question_at_that_weight_alone(tmp_path):
    base = _run(tmp_path / "base", {"a": [(0, 1.0), (0.2, 0.5)], "b": [(0, 0.5), (0.2, 0.25)],
                                    "c": [(0, 1.0), (0.2, 1.0)]})
    cand = _run(tmp_path / "cand", {"a": [(0, 0.1), (0.2, 1.0)], "b": [(0, 0.1), (0.2, 0.5)],
                                    "c": [(0, 0.1), (0.2, 1.0)], "not gold": [(0.2, 1.0)]})
    gold = {"sweqa": {}, "swebench_lite_loc": {}, "changelog_loc": {"a": {"x"}, "b": {"y"}, "c": {"z"}}}
    at = compare(base, {"cand": cand}, gold, k=5, fusion_weight=0.2)["paired"]["cand"]["fused@0.2"]["changelog_loc"]
    assert at["n"] == 3 and at["better"] == 2 and at["worse"] == 0
    assert abs(at["mrr_difference"] - (0.5 + 0.25 + 0) / 3) < 1e-4
    assert "fused@0.2" not in compare(base, {"cand": cand}, gold, k=5)["paired"]["cand"]


def test_answers_pair_each_metric_on_the_questions_both_runs_have_it(tmp_path):
    def run(folder: Path, metrics: dict[str, dict[str, float]]) -> Path:
        rows = [{"set": "sweqa", "id": qid, "answers": {"generator": {"metrics": m}}} for qid, m in metrics.items()]
        rows.append({"set": "sweqa", "id": "no answer", "answers": {}})
        folder.mkdir()
        (folder / "results.json").write_text(json.dumps({"results": rows}))
        return folder

    base = run(tmp_path / "base", {"a": {"citation_file_hit": 1, "locators_true": 0.0},
                                   "b": {"citation_file_hit": 0}, "c": {"citation_file_hit": 1, "locators_true": 0.5}})
    cand = run(tmp_path / "cand", {"a": {"citation_file_hit": 1, "locators_true": 1.0},
                                   "b": {"citation_file_hit": 1, "locators_true": 1.0}, "c": {"citation_file_hit": 0}})
    gold = {"sweqa": {"a": {"x"}, "b": {"y"}, "c": {"z"}, "no answer": {"w"}}, "swebench_lite_loc": {},
            "changelog_loc": {}}
    paired = compare(base, {"cand": cand}, gold, k=5, answers=True)["paired"]["cand"]["answers"]
    hit = paired["citation_file_hit"]["sweqa"]
    assert hit["n"] == 3 and hit["better"] == 1 and hit["worse"] == 1 and hit["difference"] == 0
    # Only "a" has a locator claim in both runs: one question is too few to pair.
    assert paired["locators_true"]["sweqa"] == {"n": 1}
    assert "answers" not in compare(base, {"cand": cand}, gold, k=5)["paired"]["cand"]
