"""Keeping two real data stores in sync with compiled templates, the way dual-write does.

stores.py holds both sides (SQLAlchemy Core; SQLite files by default, with change capture by
triggers), engine.py applies initial and live sync (source filters are the generated modules'
`accepts_from_*` predicates), exports.py reads and writes the CSV and JSON Lines files that data
exports give.
"""
