"""`python -m relance.cli`: the same as the `relance` command."""

from relance.cli import main

main()
