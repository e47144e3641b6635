"""Real servers on loopback that the test suite starts itself (registered from conftest)."""
