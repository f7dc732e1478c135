"""mappingc: a declarative mapping compiler for Dynamics 365 dual-write templates.

frontend (grammar → syntax → IR, checks) → emit (IR → Jinja2 templates → files) → build (one build
in memory) → output (atomic write / compare); interchange, publish, runtime and sync beside it.
docs/architecture.md is the map.
"""
