"""Running SPARQL: the gate that vets a query, its cost, the formats and writers of answers, and
the runners that answer it (in process, in worker processes, on a remote server)."""
