"""`python -m jingzhang.notifications` (or `jingzhang-notifications`): this service alone, settings from the
environment, as its container runs it."""

from jingzhang.notifications.bootstrap import create_app
from jingzhang.shared.serve import serve


def main() -> None:
    serve(create_app)


if __name__ == "__main__":
    main()
