"""Local counterparties of the notifications service, speaking the real protocols: a WeCom group robot
webhook (`wecom`) and a Chinese-style SMS gateway (`sms`), served together on one port (`server`).

They write what they receive to files (JSON lines) under their directory, so a user of the local
stack reads what would have been sent: `<state>/sinks/wecom/<robot key>.jsonl`, `<state>/sinks/sms.jsonl`.
"""

SINK_PORT = 8120
