"""The signposting directory: services a child can be sent to when the MHST is not right."""
