"""``python -m clausetag`` is the command line."""
import sys

from clausetag.cli import main

sys.exit(main())
