"""`python -m jingzhang.app.cli`: the CLI without its console script (the local stack runs services so)."""

from jingzhang.app.cli import main

if __name__ == "__main__":
    main()
