# The Caselle simulator and localstripe fixtures (real processes on free ports) for every test that needs them.
pytest_plugins = ["tests.sim_fixtures", "tests.stripe_fixtures", "tests.mail_sink"]
