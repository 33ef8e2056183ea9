"""The web console (总览, 企业, 诉求, 警长, 公示牌) and the mobile portal, above the services.

It holds no data of its own: every page reads the services' HTTP APIs with the signed-in user's
token, every form is a command sent to them, and NATS events only tell open pages to refresh.
"""
