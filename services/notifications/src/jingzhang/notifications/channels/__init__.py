"""Channel adapters behind one port (`port.Channel`): the WeCom group robot and the SMS gateway."""
