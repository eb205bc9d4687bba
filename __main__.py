"""Entry point for `pulumi preview` / `pulumi up`: wiring only (see program.py)."""

import program

program.main()
