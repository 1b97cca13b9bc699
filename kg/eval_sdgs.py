"""Old import path of kg.eval.sdgs (outcome-SDG link scoring), kept for existing callers."""
from kg.eval.sdgs import (SdgEval, SdgEvalError, evaluate_sdgs, load_gold_relations, record_link_rows,  # noqa: F401
                          record_tie_rows, render_matrix, score_sdgs)
