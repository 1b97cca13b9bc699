"""Serve a build over HTTP, read-only: the SPARQL 1.1 Protocol endpoint, the pages and the query page."""
