"""Keeping two real data stores in sync with compiled templates, the way dual-write does.

spec.py reads what the sync needs from the generated modules; tables.py shapes both stores;
backends.py is what differs per database (SQLite files, PostgreSQL, change-capture triggers);
stores.py holds both sides behind one transaction; mapping.py turns a row of one side into the
other's values (lookups resolved); errors.py is the error queue; engine.py applies initial and
live sync; exports.py reads and writes CSV and JSON Lines files.
"""
