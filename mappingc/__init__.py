"""mappingc: a declarative mapping compiler for Dynamics 365 dual-write templates.

Pipeline, one module per step: parser (grammar/mapping.lark → ast) → lower (ast → ir) →
checks (rules over ir) → emit (ir → Jinja2 templates → files) → output (atomic write / compare).
"""
