"""Other services' events as this service reads them: tolerant readers, one module per producer."""
