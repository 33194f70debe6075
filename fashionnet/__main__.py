"""``python -m fashionnet``: the same as the ``fashionnet`` command."""

import sys

from fashionnet.cli import main

if __name__ == "__main__":
    sys.exit(main())
