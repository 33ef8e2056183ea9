"""The console tests' time: the services start on a Monday morning of 2025 on a controlled clock."""

from datetime import datetime
from zoneinfo import ZoneInfo

BUREAU_TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2025, 3, 3, 9, tzinfo=BUREAU_TZ)
