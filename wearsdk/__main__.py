import sys

from wearsdk.cli import main

sys.exit(main())
