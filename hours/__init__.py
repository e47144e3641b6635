"""Say when you are available, see what 24/7 costs, and make the boundary real."""

__version__ = "0.1.0"
