"""`python -m verify …` is the same as the `verify` console script."""

import sys

from verify.cli import main

if __name__ == "__main__":
    sys.exit(main())
