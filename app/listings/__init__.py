"""Scenario and capability use cases, shared by the owners' workspace, review and seeding."""
