"""`python -m conflictmap` runs the command line."""

from conflictmap.cli import main

main()
