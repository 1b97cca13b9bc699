"""Old import path of kg.eval.results (quantitative result scoring), kept for existing callers."""
from kg.eval.results import (ResultEval, ResultEvalError, evaluate_results, load_gold_results,  # noqa: F401
                             normalize_evidence, record_result_rows, score_results)
