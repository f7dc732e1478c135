"""Importers of published dual-write documentation."""
