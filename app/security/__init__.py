"""Authentication helpers, the endpoint access map and per-object policies."""
