#!/usr/bin/env python
"""Development shortcut; `qitong` is the installed equivalent."""

import sys

from qitong.cli import main

if __name__ == "__main__":
    main(sys.argv[1:])
