"""Turn report files into the validated RDF dataset and write a build folder (graph files, cache, pages, store)."""
