"""One router per resource: ``sparql``, ``query_page``, ``health``."""
