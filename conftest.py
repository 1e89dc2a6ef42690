# The Caselle simulator fixtures (a real process on a free port) for every test that needs them.
pytest_plugins = ["tests.sim_fixtures"]
