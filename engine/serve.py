"""`python -m engine.serve run …`: Rasa's own CLI (same arguments), started faster and patched.

What it does before handing over to `rasa.__main__.main`:
- imports skops first. skops builds its list of trusted types at import by searching every
  loaded module for each NumPy ufunc; Rasa imports it lazily, after TensorFlow, when it loads
  the intent classifier - ~5,700 modules, ~10 s of the start. Imported first it takes ~2 s.
- applies `engine.speedups` (action-response validation, event class lookups).
"""

from __future__ import annotations

import sys

import skops.io  # noqa: F401 - must stay the first heavy import (see above)


def main() -> int:
    # Imported here, not at the top, so that nothing pulls in Rasa before skops.
    from rasa.__main__ import main as rasa_main

    from engine import speedups

    speedups.apply()
    sys.argv[0] = "rasa"  # what Rasa's help and error messages show as the program
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
