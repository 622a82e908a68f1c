"""Allow ``python -m hashview``."""

from hashview.app import main

raise SystemExit(main())
