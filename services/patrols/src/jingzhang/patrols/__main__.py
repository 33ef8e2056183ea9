"""`python -m jingzhang.patrols` (or `jingzhang-patrols`): this service alone, settings from the environment,
as its container runs it."""

from jingzhang.patrols.bootstrap import create_app
from jingzhang.shared.serve import serve


def main() -> None:
    serve(create_app)


if __name__ == "__main__":
    main()
