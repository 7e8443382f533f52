"""`python -m infra_emulator up|down|status [--json] --dir DIR`: see launcher.py."""

import sys

from .launcher import main

sys.exit(main())
