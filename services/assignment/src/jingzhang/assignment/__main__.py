"""`python -m jingzhang.assignment` (or `jingzhang-assignment`): this service alone, settings from the environment,
as its container runs it."""

from jingzhang.assignment.bootstrap import create_app
from jingzhang.shared.serve import serve


def main() -> None:
    serve(create_app)


if __name__ == "__main__":
    main()
