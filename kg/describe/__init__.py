"""Descriptions drawn from the graph: resources, name search, ontology terms and JSON-LD."""
