"""The configs the report's tests share: Sam's week in Toronto; a week in New York with covers."""

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

# Jo and Kim cover the evenings and nights of a week with Thanksgiving closed.
COVERED = """\
name = "Sam's Nails"
timezone = "America/New_York"
[week]
mon = "09:00-17:00"
tue = "09:00-17:00"
wed = "09:00-17:00"
thu = "09:00-17:00"
fri = "09:00-17:00"
[[closed]]
date = 2026-11-26
reason = "Thanksgiving"
[[cover]]
name = "Jo"
number = "+15551230001"
days = "mon-fri"
hours = "16:00-22:00"
sms = true
voice = true
[[cover]]
name = "Kim"
number = "+15551230002"
days = "mon-thu"
hours = "22:00-01:00"
voice = true
[earnings]
weekly = 1200
"""
