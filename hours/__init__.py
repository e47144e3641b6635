"""Say when you are available, see what 24/7 costs, and make the boundary real.

The face (`cli`, `clikit`, `commands/`) parses and renders; the core (`schedule`, `config/`,
`wage`, `report/`, the engine `autoreply` with its `journal`, `cron` and `doctor`) decides;
`channels/` implement the engine's Channel on top of the wire clients of `clients/`. Imports
point that way only: face -> core -> channels -> clients, `schedule` imports nothing of ours,
and only the face and the report's renderers import click or rich (tests/test_layout.py).
"""

__version__ = "0.1.0"
