"""Answer plain-language questions from the dataset: read the question, run the query it maps to, rank the evidence."""
