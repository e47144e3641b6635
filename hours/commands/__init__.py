"""Commands loaded lazily by `hours.cli`, one module each, so `hours status` stays lean."""
