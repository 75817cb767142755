"""stylebridge bridge: a ZeroMQ server that stylizes game frames live."""
