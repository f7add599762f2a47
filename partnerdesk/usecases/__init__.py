"""Everything the service does, one function each, called alike by CLI, scheduler and tests."""
