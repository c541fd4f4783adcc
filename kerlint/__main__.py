import sys

from kerlint.cli import main

sys.exit(main())
