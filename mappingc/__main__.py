"""`python -m mappingc` is the `mappingc` command."""

from mappingc.cli import main

main()
