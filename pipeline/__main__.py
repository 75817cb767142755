"""`python -m pipeline` is the `stylebridge` command."""

import sys

from pipeline.cli import main

sys.exit(main())
