"""The contract between the compiler and everything that runs its output.

`manifest` is `manifest.json`, typed and versioned: the build writes it; the sync, bulk and the
output folder's guard read it. `module` is what every generated module defines, as a Protocol
that mypy holds the generated modules to (`make test`). `plan_sql` is a template's set-based plan
as SQL text, the form a generated module keeps, which the sync reads back. None of it knows the
IR: the runtime side of mappingc uses it without loading the compiler.
"""
