"""`python -m osteofys.cli` runs the `osteofys` command."""

import sys

from osteofys.cli import main

sys.exit(main())
