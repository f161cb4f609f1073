"""One router per resource: ``sparql``, ``query_page``, ``health``, ``linked_data`` (IRIs and
documents), ``pages`` (HTML), ``discovery`` (VoID, dumps), ``typed`` (``/api``), ``validate``."""
