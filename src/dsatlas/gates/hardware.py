"""Gate `hardware`: architecture-like pages name real technology, with versions or instance types."""

from __future__ import annotations

import re

from ..diagram import INSTANCE_TYPE
from ..profiles import when
from .base import PageContext, Rule

SPECIFIC_RE = re.compile(
    INSTANCE_TYPE  # r5.4xlarge
    + r"|\b[A-Za-z][\w+-]{0,39}\s++v?\d+(?:\.\d+)+\b"  # Cassandra 3.11, Kafka v3.6 (names up to 40 characters)
    + r"|\bv\d+(?:\.\d+)*\b"  # v3.7
)

RULES = [
    Rule("ATL501", "hardware", "no specific technology version or instance type",
         "What: the diagram names at least one technology with a version (Cassandra 4.0, Kafka v3.6) or an "
         "instance type (r5.4xlarge).\n"
         "Why: 'Database' tells an on-call engineer nothing; versions decide which bugs and limits apply.\n"
         "Example: a storage diagram with boxes 'DB' and 'Cache'.\n"
         "Fix: name what runs there, as a public source states it, and declare it as a figure.",
         applies=when(lambda prof: prof.hardware)),
]


def check(ctx: PageContext) -> None:
    if ctx.structure is None:  # the runner runs this only for kinds whose profile asks for hardware
        return
    if not any(SPECIFIC_RE.search(label.text) for label in ctx.structure.labels):
        ctx.at_diagram_line("ATL501", "no technology version or instance type on the diagram: name at "
                            "least one (e.g. 'Cassandra 4.0', 'r5.4xlarge') with its source")
