"""reportkg: extraction records to an evidence-backed RDF knowledge graph, its queries, pages and server."""
