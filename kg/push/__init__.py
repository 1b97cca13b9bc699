"""Push the served dataset into an external SPARQL store and check the store answers alike."""
