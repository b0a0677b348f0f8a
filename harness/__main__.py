import sys

from thaibench.cli import main

sys.exit(main())
