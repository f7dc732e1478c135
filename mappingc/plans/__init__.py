"""Templates compiled to set-based SQL: one statement maps every row of a source table.

mappingc.plans.compile builds a plan per template and direction from the IR (sqlglot
expressions, no SQL text glued together); a plan renders in each SQL dialect sqlglot writes
(SQLite, PostgreSQL, DuckDB, Spark SQL). mappingc.plans.bulk runs a plan on DuckDB over files.
"""
