"""Open data: stable public identifiers, the release history of published listings, bulk downloads."""
