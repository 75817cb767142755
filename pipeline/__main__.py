"""`python -m pipeline` is the `stylebridge` command."""

import sys

from pipeline.cli.main import main

sys.exit(main())
