"""compare_eval_runs --fusion-weight: the fused ranking of two runs compared at one memory weight of their grids."""
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
