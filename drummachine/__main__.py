import sys

from drummachine.cli import main

sys.exit(main())
