"""The HTTP face of SciCoop KG: FastAPI routes adapting the ``kg`` library (see ``create_app``)."""
