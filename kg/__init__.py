"""SciCoop KG: a knowledge graph of international science-and-technology cooperation.

The package is the library and the command line; ``api`` only adapts it to HTTP.
"""

__version__ = "0.1.0"
