"""Connectors: one per kind of data source, all behind the contract in ``base``."""
