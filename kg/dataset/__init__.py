"""The one dataset every reader uses (query, ask, pages, eval, serve, push): loaded from a build, kept as a store."""
