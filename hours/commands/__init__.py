"""The commands beyond `status` and `next`, one module each, loaded lazily by `hours.cli`.

Each parses its arguments with click, calls the core (config, schedule, wage, report, engine,
channels' factory) and renders the result; none holds logic of its own. They may import click
(and the report's renderers rich), `hours.clikit` and any core module; no core module imports
them. Loading them lazily keeps `hours status` lean.
"""
