"""The bridge between the database and the matching engine: live indexes, queue, learning."""
