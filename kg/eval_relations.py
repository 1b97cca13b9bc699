"""Old import path of kg.eval.relations (relation scoring), kept for existing callers."""
from kg.eval.relations import (Fact, GoldRelation, RelationEval, evaluate_relations, graph_facts,  # noqa: F401
                               load_gold_relations, score_relations)
