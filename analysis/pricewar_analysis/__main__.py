"""``python3 -m pricewar_analysis IN.h5 -o DIR`` is the same as the report module."""

import sys

from .report import main

sys.exit(main())
