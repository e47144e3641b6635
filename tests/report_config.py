"""The config the report's tests share: Sam's week in Toronto, with closures and earnings."""

from __future__ import annotations

CONFIG = """\
# Sam's hours
name = "Sam's Nails"
timezone = "America/Toronto"

[week]
mon = "09:00-17:00"
tue = ["09:00-12:00", "13:00-17:00"]
wed = "09:00-17:00"
thu = "09:30-17:00"
fri = "22:00-02:00"
sat = "10:00-14:00"

[[closed]]
date = 2026-11-25
hours = "15:00-24:00"
reason = "Early close"

[[open]]
date = 2026-11-29
hours = "12:00-16:00"
reason = "Pop-up"

[earnings]
weekly = 1200
currency = "CAD"
"""
