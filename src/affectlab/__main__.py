"""``python -m affectlab`` runs the command line."""

from affectlab.surfaces.cli.app import main

main()
