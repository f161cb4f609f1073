"""Contributions: validation (one check per module), reports, ``kg diff`` and ``kg new``."""
