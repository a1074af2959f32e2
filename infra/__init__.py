"""Settings, database start-up, schema, keys and the command line: everything at the edge."""
