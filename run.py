"""Command line: `python run.py` serves the API; `python run.py --help` lists the commands."""

import sys

from api.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
