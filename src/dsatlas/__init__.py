"""dsatlas: the Distributed Systems Atlas toolchain."""

__version__ = "0.1.0"
