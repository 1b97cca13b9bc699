"""Run the named SPARQL queries (queries/*.rq) or SPARQL text on the dataset, and format their results."""
