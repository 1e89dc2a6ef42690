"""A simulator of a small city's Caselle office system, reached through its web service (COWS).

It is its own program (``python -m caselle_sim``): the portal talks to it only over HTTP.
See docs/caselle-simulator.md for the CLI, the API and the data model.
"""

__version__ = "1.0"
