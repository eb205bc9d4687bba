"""`python -m tools.preview --stack prod`: the pictures of a stack's dashboards and their gallery."""

from __future__ import annotations

import sys

from tools.preview.run import main

sys.exit(main())
