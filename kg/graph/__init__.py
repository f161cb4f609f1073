"""The graph as files: which files, bounded offline parsing, loading into named graphs, inference
and the OWL reasoner check. Nothing here knows about queries or HTTP."""
