"""`python -m <package>` runs the same commands as the console script."""

import sys

from .cli import main

sys.exit(main())
