"""Run the ``sklabel`` command line as ``python -m sklabel``."""

from ._cli import main

# The guard keeps pytest's doctest collection, which imports every module,
# from running the command line.
if __name__ == "__main__":
    raise SystemExit(main())
