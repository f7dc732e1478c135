"""Formats outside mappingc, in and out: published Markdown mapping tables (markdown.py reads the
tables, published.py turns them into templates), dual-write table-map JSON (tablemap.py), and the
canonical DSL text both importers write (dsl_writer.py)."""
